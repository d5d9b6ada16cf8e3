// Every PDF of the real build (every locale, both papers, booklets too)
// carries XMP title and language, /Contents on each of its links and /Alt
// on each figure, and draws nothing outside marked content (the untagged
// drawing is marked as artifacts); with a site address, each QR code is a
// figure naming it.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { build } from "../scripts/pipeline/build.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { fixtureKit, tempDir } from "./helpers.ts";
import { described } from "./pdf-a11y-read.ts";
import { paintsOf, unmarked } from "./pdf-marked-read.ts";

async function pdfsUnder(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).filter((file) => file.endsWith(".pdf")).sort();
}

describe("the built PDFs, as assistive technology reads them", () => {
  it("each has an XMP title and language, every link says where it goes, every figure has alternative text", async () => {
    const root = path.join(inject("kitOut"), "pdf");
    const files = await pdfsUnder(root);
    expect(files.some((file) => file.includes("booklet")), "booklets are among them").toBe(true);
    const found: Record<string, { titled: boolean; languaged: boolean; undescribed: number; links: number; unnamedFigures: number }> = {};
    const expected: typeof found = {};
    for (const file of files) {
      const pdf = await described(new Uint8Array(await readFile(path.join(root, file))));
      found[file] = {
        titled: Boolean(pdf.title?.trim()),
        languaged: Boolean(pdf.language?.trim()),
        undescribed: pdf.links.filter((text) => !text.trim()).length,
        links: pdf.links.length,
        unnamedFigures: pdf.figures.filter((alt) => !alt.trim()).length,
      };
      expected[file] = { ...found[file], titled: true, languaged: true, undescribed: 0, unnamedFigures: 0 };
    }
    expect(found).toEqual(expected);
    expect(Object.values(found).some((pdf) => pdf.links > 0), "some PDF has links").toBe(true);
  });
});

describe("the built PDFs' drawing", () => {
  it("is all in marked content: tagged, or an artifact (the logo, icons, footer, borders), on every page of every PDF", async () => {
    const root = path.join(inject("kitOut"), "pdf");
    const found: Record<string, { unmarked: string[]; pagesWithoutArtifacts: number }> = {};
    for (const file of await pdfsUnder(root)) {
      const pages = await paintsOf(new Uint8Array(await readFile(path.join(root, file))));
      // Every page has its running footer, which is an artifact.
      found[file] = { unmarked: unmarked(pages).slice(0, 5), pagesWithoutArtifacts: pages.filter((paints) => !paints.some((paint) => paint.marks[0] === "Artifact")).length };
    }
    const expected = Object.fromEntries(Object.keys(found).map((file) => [file, { unmarked: [], pagesWithoutArtifacts: 0 }]));
    expect(found).toEqual(expected);
  }, 600_000);
});

describe("QR codes in a kit with a site address", () => {
  const baseUrl = "https://kit.example.org/talk-early/";
  let pdfDir = "";
  let strings: Record<string, string>;
  beforeAll(async () => {
    const root = await fixtureKit();
    const out = await tempDir();
    await build({ reporter: silentReporter, baseUrl, root, outDir: out, bookletPartSections: 1 });
    pdfDir = path.join(out, "pdf");
    strings = JSON.parse(await readFile(path.join(root, "lessons/en-XX/strings.json"), "utf8")) as Record<string, string>;
  }, 120_000);

  it("are figures whose alternative text names the page they open, on the cards, the plan and the booklet cover", async () => {
    const files = await pdfsUnder(pdfDir);
    const qrAlt = (url: string) => strings["qr.alt"]!.replace("{url}", url.replace(/^https?:\/\//, ""));
    const help = qrAlt(new URL("en-XX/help.html", baseUrl).href);
    const home = qrAlt(new URL("en-XX/index.html", baseUrl).href);
    const figures: Record<string, string[]> = {};
    for (const file of files) figures[file] = (await described(new Uint8Array(await readFile(path.join(pdfDir, file))))).figures;
    for (const [file, alts] of Object.entries(figures)) expect(alts.filter((alt) => !alt.trim()), file).toEqual([]);
    const pick = (part: string) => Object.entries(figures).filter(([file]) => file.includes(part));
    for (const part of ["help-wallet-card-a4", "get-help-now-card-a4"]) {
      expect(pick(part).length, part).toBe(1);
      for (const [file, alts] of pick(part)) expect(alts, file).toContain(help);
    }
    const plan = pick("fixture-lesson-plan-a4");
    expect(plan.length).toBe(1);
    expect(plan[0]![1].some((alt) => alt.startsWith(qrAlt(baseUrl)) && alt.includes("fixture-lesson")), "the plan's QR names its lesson page").toBe(true);
    const booklet = pick("kit-booklet-a4");
    expect(booklet.length).toBe(1);
    expect(booklet[0]![1]).toContain(home);
  });
});
