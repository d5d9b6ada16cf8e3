// "A new country in an afternoon" (README, "A kit for your country"), as a
// UK group would do it: scaffold a locale for a region that has no file,
// fill the region file from the reference's rows, and build, with no
// lesson edited. The shipped kit is copied, so this follows whatever
// lessons it has.
import { execFile } from "node:child_process";
import { cp, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT, tempDir } from "./helpers.ts";

const run = promisify(execFile);

async function kit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node", [path.join(PROJECT, "bin/kit.js"), ...args], { maxBuffer: 32 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe("a kit for a new country", () => {
  it("builds once its region file is filled, with no lesson edited, and names each empty role once", async () => {
    const root = await tempDir("talk-early-gb-");
    for (const part of ["kit.config.yaml", "lessons", "regions"]) await cp(path.join(PROJECT, part), path.join(root, part), { recursive: true });
    const config = await readFile(path.join(root, "kit.config.yaml"), "utf8");
    const source = /defaultLocale:\s*(\S+)/.exec(config)![1]!;
    expect((await kit(["new-locale", "en-GB", "--from", source, "--region", "GB", "--root", root])).code).toBe(0);
    const lessons = (await readdir(path.join(root, "lessons/en-GB"))).filter((n) => n.endsWith(".md")).sort();
    const scaffolded = await Promise.all(lessons.map((n) => readFile(path.join(root, "lessons/en-GB", n), "utf8")));
    await cp(path.join(PROJECT, "tests/fixtures/regions/GB.yaml"), path.join(root, "regions/GB.yaml"));

    const check = await kit(["check", "--root", root]);
    expect(check.code, check.stderr).toBe(0);
    const warned = [...check.stderr.matchAll(/regions\/GB\.yaml: warning: (\S+):/g)].map((m) => m[1]).sort();
    expect(warned).toEqual(["roles.emergency", "roles.money-paid", "school.counsellor", "school.head", "school.procedure"]);

    const out = await tempDir("talk-early-gb-out-");
    const build = await kit(["build", "--locale", "en-GB", "--root", root, "--out", out]);
    expect(build.code, build.stderr).toBe(0);
    const help = await readFile(path.join(out, "site/en-GB/help.html"), "utf8");
    expect(help).toContain("0800 1111");
    expect((await readdir(path.join(out, "pdf/en-GB"))).some((n) => n.endsWith(".pdf"))).toBe(true);
    // Nothing in a lesson was touched to get here.
    expect(await Promise.all(lessons.map((n) => readFile(path.join(root, "lessons/en-GB", n), "utf8")))).toEqual(scaffolded);
  });
});
