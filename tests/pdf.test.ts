// The handouts as a printer and a screen reader meet them (#4): real PDFs
// from a real build, opened with pdf-lib and pdf.js.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { PDFDict, PDFDocument, PDFName, PDFRef } from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, type BuildResult } from "../scripts/build.ts";
import { silentReporter } from "../scripts/report.ts";
import { fixtureKit, pdfText, tempDir } from "./helpers.ts";

const EPOCH = "1764201600"; // 2025-11-27T00:00:00Z
let root: string;
let out: string;
let first: BuildResult;
const savedEpoch = process.env.SOURCE_DATE_EPOCH;

beforeAll(async () => {
  process.env.SOURCE_DATE_EPOCH = EPOCH;
  root = await fixtureKit();
  out = await tempDir();
  first = await build({ root, outDir: out, reporter: silentReporter, baseUrl: "https://kit.example.org/talk-early/" });
});
afterAll(() => {
  if (savedEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = savedEpoch;
});

const pdfPath = (name: string) => path.join(out, "pdf", "en-XX", `${name}.pdf`);
const HANDOUTS = ["11-13-fixture-lesson-plan", "11-13-fixture-lesson-family", "11-13-fixture-lesson-worksheet", "get-help-now-card", "kit-booklet"];
const ALL = HANDOUTS.flatMap((h) => [`${h}-a4`, `${h}-letter`]);

async function open(name: string): Promise<PDFDocument> {
  return PDFDocument.load(await readFile(pdfPath(name)), { updateMetadata: false });
}

describe("every handout", () => {
  it("exists in both papers, with the page size of its paper", async () => {
    expect((await readdir(path.join(out, "pdf", "en-XX"))).sort()).toEqual(ALL.map((n) => `${n}.pdf`).sort());
    for (const name of ALL) {
      const doc = await open(name);
      for (const page of doc.getPages()) {
        const { width, height } = page.getSize();
        const [w, h] = name.endsWith("-a4") ? [595.3, 841.9] : [612, 792];
        expect(Math.abs(width - w), name).toBeLessThan(1.5);
        expect(Math.abs(height - h), name).toBeLessThan(1.5);
      }
    }
  });

  it("is tagged, titled, in the locale's language, with author and subject from the kit", async () => {
    for (const name of ALL) {
      const doc = await open(name);
      const catalog = doc.catalog;
      expect(catalog.get(PDFName.of("StructTreeRoot")), name).toBeInstanceOf(PDFRef);
      const markInfo = catalog.lookup(PDFName.of("MarkInfo"), PDFDict);
      expect(String(markInfo.get(PDFName.of("Marked"))), name).toBe("true");
      expect(String(catalog.get(PDFName.of("Lang"))), name).toBe("(en)");
      expect(doc.getTitle(), name).not.toMatch(/file:|\.html/);
      expect(doc.getAuthor()).toBe("Test author");
      expect(doc.getSubject()).toBe("Test subject");
    }
    expect((await open("11-13-fixture-lesson-plan-a4")).getTitle()).toBe("Fixture lesson: Lesson plan");
  });

  it("embeds every font it uses, and only the bundled Noto Sans", async () => {
    for (const name of ALL) {
      const doc = await open(name);
      const fonts: string[] = [];
      for (const [, object] of doc.context.enumerateIndirectObjects()) {
        if (!(object instanceof PDFDict)) continue;
        if (object.get(PDFName.of("Type")) !== PDFName.of("FontDescriptor")) continue;
        fonts.push(String(object.get(PDFName.of("FontName"))));
        const embedded = ["FontFile", "FontFile2", "FontFile3"].some((key) => object.get(PDFName.of(key)));
        expect(embedded, `${name}: ${String(object.get(PDFName.of("FontName")))}`).toBe(true);
      }
      expect(fonts.length, name).toBeGreaterThan(0);
      for (const font of fonts) expect(font, name).toMatch(/^\/[A-Z]{6}\+NotoSans-/);
    }
  });

  it("carries the running footer on every page: kit title, page N of M, the main help line", async () => {
    for (const name of ALL) {
      const { pages } = await pdfText(pdfPath(name));
      pages.forEach((text, i) => {
        expect(text, `${name} page ${i + 1}`).toContain(`Fixture Kit · Help: Line A 0-000-00-0000 · Page ${i + 1} of ${pages.length}`);
      });
    }
  });

  it("has a QR code and the short address of its page when the site's address is known", async () => {
    const { text } = await pdfText(pdfPath("11-13-fixture-lesson-plan-a4"));
    // The address may wrap inside its narrow box.
    expect(text.replace(/\s/g, "")).toContain("kit.example.org/talk-early/en-XX/lessons/11-13-fixture-lesson.html");
    const html = await readFile(path.join(out, "site/print/en-XX/11-13-fixture-lesson-plan-a4.html"), "utf8");
    expect(html).toMatch(/<div class="qr" aria-hidden="true"><svg/);
  });
});

describe("the crisis card", () => {
  it("fits on one page in both papers, with blank lines for the school's trusted adults", async () => {
    for (const paper of ["a4", "letter"]) {
      const { pages, text } = await pdfText(pdfPath(`get-help-now-card-${paper}`));
      expect(pages).toHaveLength(1);
      expect(text).toContain("Trusted adults at our school");
      expect(text).toContain("Line B Support");
    }
  });
});

describe("the kit booklet", () => {
  it("has a bookmark for every handout and a contents page with their real page numbers", async () => {
    const data = new Uint8Array(await readFile(pdfPath("kit-booklet-a4")));
    const doc = await getDocument({ data, isEvalSupported: false }).promise;
    const outline = (await doc.getOutline()) ?? [];
    const titles = outline.map((item) => item.title);
    expect(titles).toEqual(expect.arrayContaining(["Fixture lesson: Lesson plan", "Fixture lesson: Family take-home sheet", "Fixture lesson: Pupil worksheet and cards"]));
    const { pages } = await pdfText(pdfPath("kit-booklet-a4"));
    for (const item of outline.slice(-3)) {
      const dest = typeof item.dest === "string" ? await doc.getDestination(item.dest) : item.dest;
      const page = (await doc.getPageIndex(dest![0] as never)) + 1;
      expect(pages[page - 1], item.title).toContain(item.title.split(":")[0]!);
      expect(pages[1], "contents page").toMatch(new RegExp(`${item.title} ${page}\\b`));
    }
    await doc.destroy();
  });
});

describe("rebuilding", () => {
  it("is byte-identical from scratch with SOURCE_DATE_EPOCH set, PDFs and site alike", async () => {
    const again = await tempDir();
    await build({ root, outDir: again, reporter: silentReporter, baseUrl: "https://kit.example.org/talk-early/" });
    const files = (await readdir(path.join(out, "pdf", "en-XX"))).map((f) => `pdf/en-XX/${f}`);
    const site = (await readdir(path.join(out, "site"), { recursive: true })).filter((f) => f.endsWith(".html")).map((f) => `site/${f}`);
    for (const file of [...files, ...site]) {
      expect(Buffer.compare(await readFile(path.join(out, file)), await readFile(path.join(again, file))), file).toBe(0);
    }
    const doc = await open("kit-booklet-a4");
    expect(doc.getCreationDate()?.toISOString()).toBe("2025-11-27T00:00:00.000Z");
  });

  it("prints nothing when nothing changed, and only the edited lesson's handouts and the booklet after an edit", async () => {
    expect(first.printed).toBe(ALL.length);
    const noop = await build({ root, outDir: out, reporter: silentReporter, baseUrl: "https://kit.example.org/talk-early/" });
    expect(noop.printed).toBe(0);
    expect(noop.cached).toBe(ALL.length);

    const lesson = path.join(root, "lessons/en-XX/11-13-fixture-lesson.md");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(lesson, (await readFile(lesson, "utf8")).replace("Stay calm.", "Stay calm and listen."));
    const edited = await build({ root, outDir: out, reporter: silentReporter, baseUrl: "https://kit.example.org/talk-early/" });
    // The disclosure block is in the plan only: plan and booklet, in both papers.
    expect(edited.printed).toBe(4);
  });
});
