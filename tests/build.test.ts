// The whole pipeline for real: the default kit is built into a temp folder
// with the real browser, and the PDFs are opened and read (#2).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { build } from "../scripts/pipeline/build.ts";
import { KitError } from "../scripts/core/problems.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { fixtureKit, PROJECT, pdfText, tempDir } from "./helpers.ts";

const run = promisify(execFile);

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await listFiles(dir)) out[file] = createHash("sha256").update(await readFile(path.join(dir, file))).digest("hex");
  return out;
}

describe("building the default kit", () => {
  // Built once for all test files by tests/global-setup.ts.
  const out = inject("kitOut");

  it("prints the flagship lesson plan with its title and the Cyber999 number", async () => {
    const { text, pages } = await pdfText(path.join(out, "pdf/en-MY/11-13-someone-threatens-you-plan-a4.pdf"));
    expect(text).toContain("If someone threatens you");
    expect(text).toContain("Cyber999");
    expect(text).toContain("1-300-88-2999");
    expect(pages.length).toBeGreaterThan(1);
  });

  it("prints the crisis card with Malaysia's lines from region data", async () => {
    const { text } = await pdfText(path.join(out, "pdf/en-MY/get-help-now-card-a4.pdf"));
    for (const expected of ["1-300-88-2999", "15999", "03-7627 2929"]) expect(text).toContain(expected);
  });

  it("writes a plan for every lesson, named <lesson-id>-<variant>-<paper>.pdf", async () => {
    const pdfs = await listFiles(path.join(out, "pdf"));
    const lessons = (await readdir(path.join(PROJECT, "lessons/en-MY"))).filter((n) => n.endsWith(".md")).map((n) => n.slice(0, -3));
    expect(lessons.length).toBeGreaterThan(0);
    for (const id of lessons) {
      const variant = id.startsWith("adults-") ? "guide" : "plan";
      expect(pdfs).toContain(`en-MY/${id}-${variant}-a4.pdf`);
    }
    expect(pdfs).toContain("en-MY/get-help-now-card-a4.pdf");
    expect(pdfs.length).toBe(inject("kitPdfs"));
  });

  it("gives every site page its locale's language", async () => {
    const pages = (await listFiles(path.join(out, "site"))).filter((f) => f.endsWith(".html") && !f.includes("pagefind"));
    expect(pages).toContain("index.html");
    expect(pages).toContain("en-MY/help.html");
    expect(pages).toContain("ms-MY/help.html");
    for (const page of pages) {
      const html = await readFile(path.join(out, "site", page), "utf8");
      const lang = page.startsWith("ms-MY/") || page.startsWith("print/ms-MY/") ? "ms" : "en";
      expect(html, page).toMatch(new RegExp(`<html lang="${lang}" dir="ltr"`));
    }
  });

  it("links each lesson page to its handouts", async () => {
    const html = await readFile(path.join(out, "site/en-MY/lessons/11-13-someone-threatens-you.html"), "utf8");
    expect(html).toContain('href="../../pdf/en-MY/11-13-someone-threatens-you-plan-a4.pdf"');
    const pdfs = await listFiles(path.join(out, "site/pdf"));
    expect(pdfs).toContain("en-MY/11-13-someone-threatens-you-plan-a4.pdf");
  });
});

describe("a failed build", () => {
  it("leaves the last good output exactly as it was", async () => {
    const out = await tempDir();
    await build({ root: await fixtureKit(), outDir: out, reporter: silentReporter });
    const before = await snapshot(out);
    expect(Object.keys(before).some((f) => f.endsWith(".pdf"))).toBe(true);

    const error = await build({ root: await fixtureKit("unknown-band"), outDir: out, reporter: silentReporter }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(out)).filter((n) => n.startsWith(".staging"))).toEqual([]);
  });

  it("exits 1 from the command line with file, line and field, and no stack trace", async () => {
    const root = await fixtureKit("missing-field");
    const error = await run("node", [path.join(PROJECT, "bin/kit.js"), "build", "--root", root, "--out", await tempDir()]).catch((e: unknown) => e);
    const { code, stderr } = error as { code: number; stderr: string };
    expect(code).toBe(1);
    expect(stderr).toContain("lessons/en-XX/11-13-fixture-lesson.md:2: title: is missing");
    expect(stderr).toContain("lessons/en-XX/11-13-fixture-lesson.md:3: duration:");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
