// Every HTML page the build writes passes a real validator (html-validate,
// configured in .htmlvalidate.mjs): the site, the print pages the PDFs are
// made from (booklets included), and the pages inside each locale's zip.
// Ids unique per page is its no-dup-id rule.
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { unzipSync } from "fflate";
import { HtmlValidate, StaticConfigLoader, type ConfigData } from "html-validate";
import { describe, expect, inject, it } from "vitest";
import { build } from "../scripts/pipeline/build.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { fixtureKit, PROJECT, tempDir } from "./helpers.ts";

interface Page {
  /** Where the page is, relative to the output folder; `kits/x.zip!a/b.html` inside a zip. */
  name: string;
  html: string;
}

// Pagefind writes its own files beside the pages; none of them is ours to fix.
const isOurPage = (file: string) => file.endsWith(".html") && !file.split("/").includes("pagefind");

async function builtPages(out: string): Promise<Page[]> {
  const pages: Page[] = [];
  const entries = await readdir(out, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(out, path.join(e.parentPath, e.name)).split(path.sep).join("/")).sort();
  for (const file of files) {
    if (isOurPage(file)) pages.push({ name: file, html: await readFile(path.join(out, file), "utf8") });
    if (file.startsWith("kits/") && file.endsWith(".zip")) {
      const zipped = unzipSync(new Uint8Array(await readFile(path.join(out, file))), { filter: (f) => isOurPage(f.name) });
      for (const [name, bytes] of Object.entries(zipped).sort(([a], [b]) => a.localeCompare(b))) {
        pages.push({ name: `${file}!${name}`, html: new TextDecoder().decode(bytes) });
      }
    }
  }
  return pages;
}

async function validator(): Promise<HtmlValidate> {
  const config = ((await import(pathToFileURL(path.join(PROJECT, ".htmlvalidate.mjs")).href)) as { default: ConfigData }).default;
  return new HtmlValidate(new StaticConfigLoader(config));
}

/** Every validator message on every page, as `file:line:column rule: message`. */
async function problemsIn(pages: Page[]): Promise<string[]> {
  const html = await validator();
  const problems: string[] = [];
  for (const page of pages) {
    const report = await html.validateString(page.html, page.name);
    for (const m of report.results.flatMap((r) => r.messages)) problems.push(`${page.name}:${m.line}:${m.column} ${m.ruleId}: ${m.message}`);
  }
  return problems;
}

/** Pages the check must have seen, or it proves nothing about them. */
type Expected = Record<string, (page: Page) => boolean>;
const named = (part: string) => (page: Page) => page.name.includes(part);

async function expectValid(out: string, expected: Expected): Promise<void> {
  const pages = await builtPages(out);
  for (const [what, test] of Object.entries(expected)) expect(pages.some(test), what).toBe(true);
  const problems = await problemsIn(pages);
  const summary = `${problems.length} messages in ${new Set(problems.map((p) => p.split(":")[0])).size} of ${pages.length} pages`;
  // One assertion, so that a failure lists every message at once.
  expect(problems.join("\n"), summary).toBe("");
}

describe("the HTML the build writes", () => {
  it("has no validator message on any page of the default kit: site, print pages, booklets and zips", async () => {
    await expectValid(inject("kitOut"), {
      "the site's home page": named("site/index.html"),
      "a print page": named("site/print/"),
      "a booklet": named("kit-booklet-"),
      "a page inside a zip": named(".zip!"),
    });
  });

  // What the default build does not write: QR codes (--base-url) inside
  // the booklet's sections, and a booklet printed in several parts.
  it("has none either with QR codes and a booklet in parts", async () => {
    const root = await fixtureKit();
    const out = await tempDir();
    try {
      await build({ root, outDir: out, reporter: silentReporter, baseUrl: "https://kit.example.org/", bookletPartSections: 1 });
      await expectValid(out, {
        "a booklet's second part": named("kit-booklet-a4-part2.html"),
        "a QR code in a booklet section": (page) => /<section class="booklet-section[ "][^]*<svg/.test(page.html),
      });
    } finally {
      await Promise.all([root, out].map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });
});
