// `kit build --site-only`: the website without a browser. The CLI runs as
// a child process with PUPPETEER_EXECUTABLE_PATH=/bin/false, so a browser
// start would fail the build.
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtureKit } from "./helpers.ts";
import { kit } from "./kit-cli.ts";

const LESSON_FILE = "lessons/en-XX/11-13-fixture-lesson.md";
const OLD_TEXT = "Do not pay. Tell an adult you trust.";
const NEW_TEXT = "Do not pay. Tell a grown-up you trust, today.";

async function htmlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".html")).map((e) => path.join(e.parentPath, e.name));
}

/** Every download link and not-built notice on a page, as the PDF or paper it names. */
function downloadsOf(html: string): { links: string[]; notices: number } {
  const section = /<section class="downloads"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
  return {
    links: [...section.matchAll(/<a href="([^"]+\.pdf)"/g)].map((m) => m[1]!),
    notices: section.split("not built yet: run a full build").length - 1,
  };
}

describe("kit build --site-only", () => {
  let root: string;
  let out: string;
  let run: Awaited<ReturnType<typeof kit>>;
  let lessonPage: string;
  let full: Map<string, string[]>;

  beforeAll(async () => {
    root = await fixtureKit();
    out = path.join(root, "output");
    const first = await kit(["--root", root]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    full = new Map();
    for (const file of await htmlFiles(path.join(out, "site"))) full.set(path.relative(out, file), downloadsOf(await readFile(file, "utf8")).links);

    const source = await readFile(path.join(root, LESSON_FILE), "utf8");
    expect(source).toContain(OLD_TEXT);
    await writeFile(path.join(root, LESSON_FILE), source.replace(OLD_TEXT, NEW_TEXT));
    run = await kit(["--root", root, "--site-only"], { PUPPETEER_EXECUTABLE_PATH: "/bin/false", CHROME_PATH: "/bin/false" });
    const pages = await htmlFiles(path.join(out, "site"));
    const texts = await Promise.all(pages.map(async (f) => [f, await readFile(f, "utf8")] as const));
    // The lesson's own page (a parent page quotes the same words, and lists the family sheets).
    lessonPage = texts.find(([f, t]) => f.includes(`${path.sep}lessons${path.sep}`) && t.includes(NEW_TEXT) && t.includes('class="downloads"'))?.[0] ?? "";
  }, 240_000);

  it("exits 0 without starting a browser", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/chromium|browser/i);
    expect(run.stdout).toMatch(/not built/);
  });

  it("publishes the page with the new text", () => {
    expect(lessonPage).not.toBe("");
  });

  it("marks the edited lesson's handouts as not built, and links none that is missing", async () => {
    const { links, notices } = downloadsOf(await readFile(lessonPage, "utf8"));
    const before = full.get(path.relative(out, lessonPage))!;
    // The edit is in the lesson plan: sheets that do not carry that text stay current.
    expect(notices).toBeGreaterThan(0);
    expect(links.length + notices).toBe(before.length);
    const published = await readdir(path.join(out, "pdf"), { recursive: true });
    expect(published.filter((f) => f.includes("fixture-lesson") && f.endsWith(".pdf")).length).toBe(links.length);
    for (const file of await htmlFiles(path.join(out, "site"))) {
      for (const href of downloadsOf(await readFile(file, "utf8")).links) {
        expect(existsSync(path.resolve(path.dirname(file), href)), `${file} links ${href}`).toBe(true);
      }
    }
  });

  it("keeps unchanged handouts linked and published", async () => {
    let kept = 0;
    for (const [rel, before] of full) {
      if (path.join(out, rel) === lessonPage || !before.length) continue;
      // A page that also lists the edited lesson's handouts (the downloads
      // page) or the booklet holding them says "not built" for each of those only.
      const { links: now, notices } = downloadsOf(await readFile(path.join(out, rel), "utf8"));
      expect(now.every((href) => before.includes(href)), rel).toBe(true);
      expect(before.filter((href) => !now.includes(href)).length, rel).toBe(notices);
      kept += now.length;
    }
    expect(kept).toBeGreaterThan(0);
    const published = await readdir(path.join(out, "pdf"), { recursive: true });
    expect(published.some((f) => f.endsWith(".pdf"))).toBe(true);
  });
});
