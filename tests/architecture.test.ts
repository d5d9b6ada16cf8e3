// The import direction between the folders of scripts/, as written in
// .dependency-cruiser.cjs: the real code keeps to it, and each rule fails
// when a copy of the code breaks it (so a rule that can never fire, say
// after a folder is renamed, is caught here too).
import { cp, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { describe, expect, it } from "vitest";
import { PROJECT } from "./helpers.ts";

/** Every broken rule in the scripts/ folder under `root`, as "rule: from → to". */
async function violations(root: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(path.join(PROJECT, ".dependency-cruiser.cjs"));
  const result = await cruise(["scripts"], { ...options, baseDir: root, validate: true }, undefined, {
    tsConfig: extractTSConfig(path.join(root, "tsconfig.json")),
  });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe("the import direction between scripts/ folders", () => {
  it("is kept by the code", async () => {
    expect(await violations(PROJECT)).toEqual([]);
  }, 120_000);

  // One import per rule, each added to a copy of the code.
  const breaks: { rule: string; file: string; line: string }[] = [
    { rule: "core-imports-only-core", file: "scripts/core/strings.ts", line: 'import "../pipeline/build.ts";' },
    { rule: "core-touches-no-machine", file: "scripts/core/strings.ts", line: 'import "node:fs";' },
    { rule: "core-touches-no-machine", file: "scripts/core/strings.ts", line: 'import "puppeteer-core";' },
    { rule: "pdf-imports-only-pdf", file: "scripts/pdf/info.ts", line: 'import "../core/problems.ts";' },
    { rule: "pipeline-not-cli", file: "scripts/pipeline/report.ts", line: 'import "../cli/status.ts";' },
    { rule: "system-imports-only-core", file: "scripts/system/browser.ts", line: 'import "../pipeline/report.ts";' },
    { rule: "scripts-not-tests", file: "scripts/pipeline/report.ts", line: 'import "../../tests/helpers.ts";' },
    { rule: "no-unresolvable", file: "scripts/pipeline/report.ts", line: 'import "./no-such-stage.ts";' },
  ];

  it("fails for each kind of wrong import", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "talk-early-arch-"));
    for (const part of ["scripts", "tests", "tsconfig.json"]) await cp(path.join(PROJECT, part), path.join(root, part), { recursive: true });
    await symlink(path.join(PROJECT, "node_modules"), path.join(root, "node_modules"), "dir");
    const found: string[] = [];
    for (const { file, line } of breaks) {
      const target = path.join(root, file);
      const original = await readFile(target, "utf8");
      await writeFile(target, `${line}\n${original}`);
      found.push(...(await violations(root)));
      await writeFile(target, original);
    }
    for (const { rule, file } of breaks) expect(found, rule).toContainEqual(expect.stringMatching(new RegExp(`^${rule}: ${file} → `)));
    expect(found).toHaveLength(breaks.length);
  }, 300_000);
});
