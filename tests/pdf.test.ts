// The handouts as a printer and a screen reader meet them (#4): real PDFs
// from a real build, opened with pdf-lib and pdf.js (and qpdf, poppler).
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PDFDict, PDFDocument, PDFName, PDFRef } from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../scripts/system/browser.ts";
import { build, type BuildResult } from "../scripts/pipeline/build.ts";
import type { PdfJob } from "../scripts/pipeline/model.ts";
import { renderPdfs } from "../scripts/pipeline/render-pdf.ts";
import { PrintError } from "../scripts/core/problems.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { fixtureKit, pdfText, tempDir } from "./helpers.ts";
import { kitFacts } from "./kit-facts.ts";
import { artifactChanges, paintsOf, pixels, unmarked } from "./pdf-marked-read.ts";
import { qpdfCheck } from "./synthetic-pdf.ts";

const EPOCH = "1764201600"; // 2025-11-27T00:00:00Z
// One handout per booklet part, so that the booklet is joined from parts.
const options = { reporter: silentReporter, baseUrl: "https://kit.example.org/talk-early/", bookletPartSections: 1 };
let root: string;
let out: string;
let first: BuildResult;
const savedEpoch = process.env.SOURCE_DATE_EPOCH;

beforeAll(async () => {
  process.env.SOURCE_DATE_EPOCH = EPOCH;
  root = await fixtureKit();
  out = await tempDir();
  first = await build({ ...options, root, outDir: out });
});
afterAll(() => {
  if (savedEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = savedEpoch;
});

const pdfPath = (name: string) => path.join(out, "pdf", "en-XX", `${name}.pdf`);
const HANDOUTS = ["11-13-fixture-lesson-letter", "11-13-conversation-cards", "11-13-fixture-lesson-plan", "11-13-fixture-lesson-family", "11-13-fixture-lesson-worksheet", "get-help-now-card", "help-wallet-card", "kit-booklet"];
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
    // Named on the <svg> itself, so the tagged PDF has it as a /Figure with /Alt (pdf-a11y.test.ts reads them).
    expect(html).toContain('<div class="qr"><svg role="img" aria-label="QR code: kit.example.org/talk-early/en-XX/lessons/11-13-fixture-lesson.html"');
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
  // The fixture's booklet is printed one handout per part (`options` at the
  // top) and joined, so these check the joining; the real kit's booklet is
  // in two parts (model.ts, BOOKLET_PART_SECTIONS), and is checked the same way.
  it("has a bookmark for every handout and a contents page with their real page numbers", async () => {
    const { outline, pages } = await bookletFacts(pdfPath("kit-booklet-a4"));
    expect(outline.map((item) => item.title)).toEqual([
      "Fixture Kit",
      "Contents",
      "Fixture lesson: Letter to families",
      "Fixture lesson: Lesson plan",
      "Fixture lesson: Family take-home sheet",
      "Fixture lesson: Pupil worksheet and cards",
      "Conversation cards for parents: Ages 11 to 13",
      "Get help now",
    ]);
    for (const item of outline.slice(2)) {
      expect(pages[item.page - 1], item.title).toContain(item.title.split(":")[0]!);
      // The contents list a lesson's handouts by kind under the lesson's title.
      const [lesson, kind] = item.title.includes(":") ? item.title.split(": ") : [item.title, item.title];
      const listed = new RegExp(`${lesson} ([^:]* )?${kind} ${item.page}\\b`).test(pages[1]!) || new RegExp(`${lesson} ${item.page}\\b`).test(pages[1]!);
      expect(listed, `contents page: ${item.title} ${item.page}`).toBe(true);
    }
  });

  it("links every contents line to the first page of its handout, across parts", async () => {
    const { outline, links } = await bookletFacts(pdfPath("kit-booklet-a4"));
    expect(links).toEqual(outline.slice(2).map((item) => item.page));
  });

  it("keeps one structure tree: every page's content is tagged, and each handout starts with its heading", async () => {
    const data = new Uint8Array(await readFile(pdfPath("kit-booklet-letter")));
    const doc = await getDocument({ data, isEvalSupported: false }).promise;
    const { outline } = await bookletFacts(pdfPath("kit-booklet-letter"));
    const starts = new Set(outline.map((item) => item.page));
    for (let n = 1; n <= doc.numPages; n++) {
      const roles: string[] = [];
      let content = 0;
      const walk = (node: { role?: string; type?: string; children?: unknown[] }) => {
        if (node.type === "content") content++;
        if (node.role) roles.push(node.role);
        for (const child of node.children ?? []) walk(child as typeof node);
      };
      walk((await (await doc.getPage(n)).getStructTree()) as never);
      expect(content, `page ${n}`).toBeGreaterThan(0);
      if (starts.has(n)) expect(roles, `page ${n}`).toContain("H1");
    }
    await doc.destroy();
  });

  it("is numbered the same way in the real kit", async () => {
    const main = kitFacts().main;
    const file = path.join(inject("kitOut"), "pdf", main.code, "kit-booklet-a4.pdf");
    const { outline, links, pages } = await bookletFacts(file);
    const sections = outline.slice(2);
    // At least one handout for each lesson.
    expect(sections.length).toBeGreaterThanOrEqual(main.lessons.length);
    expect(links).toEqual(sections.map((item) => item.page));
    const contents = pages.slice(1, sections[0]!.page - 1).join(" ");
    // A lesson's handouts are listed by kind under its title; a band's or the locale's by the title's first part.
    for (const item of sections) {
      const [first, kind] = item.title.includes(": ") ? item.title.split(": ") : [item.title, item.title];
      expect(contents.includes(`${first} ${kind} ${item.page}`) || contents.includes(`${kind} ${item.page}`) || contents.includes(`${first} ${item.page}`), item.title).toBe(true);
    }
  });
});

describe("drawing the tags leave out", () => {
  // Chromium draws the logo, icons, running footer, borders and backgrounds
  // with no marked content; scripts/pdf/artifacts.ts marks them as
  // artifacts. Read by pdf.js, rendered by poppler, checked by qpdf.
  const built = async () => (await readdir(path.join(out, "pdf"), { recursive: true })).filter((f) => f.endsWith(".pdf")).map((f) => path.join(out, "pdf", f));

  it("leaves no painting operator outside marked content, on any page of any PDF, and qpdf finds each file sound", async () => {
    const files = await built();
    expect(files.length).toBe(ALL.length);
    const found: Record<string, { unmarked: string[]; artifactPages: number; sound: boolean }> = {};
    for (const file of files) {
      const pages = await paintsOf(new Uint8Array(await readFile(file)));
      const check = await qpdfCheck(file);
      found[file] = {
        unmarked: unmarked(pages),
        // Every page has its running footer, which is an artifact.
        artifactPages: pages.filter((paints) => paints.some((paint) => paint.marks[0] === "Artifact")).length,
        sound: check.includes("No syntax or stream encoding errors found"),
      };
      expect(found[file]!.artifactPages, file).toBe(pages.length);
    }
    expect(Object.values(found).every((f) => f.unmarked.length === 0 && f.sound), JSON.stringify(found, null, 1)).toBe(true);
  });

  it("changes a handout as Chromium printed it only by marking the untagged as artifacts, the logo and icons among them: the same pixels", async () => {
    const name = "11-13-fixture-lesson-plan-a4";
    const running = await launchBrowser();
    let raw: Uint8Array;
    try {
      // As render-pdf.ts prints a handout.
      const page = await running.browser.newPage();
      await page.goto(pathToFileURL(path.join(out, "site/print/en-XX", `${name}.html`)).href, { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      raw = await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true });
    } finally {
      await running.close();
    }
    const rawFile = path.join(await tempDir(), "raw.pdf");
    await writeFile(rawFile, raw);
    const before = await paintsOf(raw);
    // The logo and the icons are curves Chromium leaves unmarked (aria-hidden).
    expect(before.flat().filter((paint) => paint.curved && paint.marks.length === 0).length, "unmarked curves in the raw print").toBeGreaterThan(3);
    expect(artifactChanges(before, await paintsOf(new Uint8Array(await readFile(pdfPath(name)))))).toEqual([]);
    expect(await pixels(pdfPath(name))).toEqual(await pixels(rawFile));
  });

  it("changes a booklet's parts, as printed and cached, only the same way: the same pixels, page for page", async () => {
    // Parts are cached as Chromium printed them (Skia the producer); they are ordered by their first page number.
    const cache = path.join(out, ".cache", "pdf");
    const parts: { file: string; first: number }[] = [];
    for (const file of (await readdir(cache)).filter((f) => f.endsWith(".pdf")).map((f) => path.join(cache, f))) {
      const doc = await PDFDocument.load(await readFile(file), { updateMetadata: false });
      if (!doc.getProducer()?.startsWith("Skia") || doc.getPage(0).getWidth() > 600) continue; // A4 (595 wide) parts only
      parts.push({ file, first: Number(/Page (\d+) of/.exec((await pdfText(file)).pages[0]!)![1]) });
    }
    parts.sort((a, b) => a.first - b.first);
    expect(parts.length, "the A4 booklet is joined from several parts").toBeGreaterThan(1);
    const before = (await Promise.all(parts.map(async (part) => paintsOf(new Uint8Array(await readFile(part.file)))))).flat();
    const booklet = pdfPath("kit-booklet-a4");
    expect(artifactChanges(before, await paintsOf(new Uint8Array(await readFile(booklet))))).toEqual([]);
    const seen = await pixels(booklet);
    expect(new Set(seen).size, "pages that differ render differently").toBe(seen.length);
    expect(seen).toEqual((await Promise.all(parts.map((part) => pixels(part.file)))).flat());
  });
});

/** A booklet's bookmarks with their pages, the pages its contents links lead to, and its text. */
async function bookletFacts(file: string): Promise<{ outline: { title: string; page: number }[]; links: number[]; pages: string[] }> {
  const data = new Uint8Array(await readFile(file));
  const doc = await getDocument({ data, isEvalSupported: false }).promise;
  const pageOf = async (dest: unknown) => {
    const explicit = typeof dest === "string" ? await doc.getDestination(dest) : dest;
    return (await doc.getPageIndex((explicit as unknown[])[0] as never)) + 1;
  };
  const outline = [];
  for (const item of (await doc.getOutline()) ?? []) outline.push({ title: item.title, page: await pageOf(item.dest) });
  const links = [];
  const contentsEnd = (outline[2]?.page ?? 3) - 1;
  for (let n = 2; n <= contentsEnd; n++) {
    for (const annotation of await (await doc.getPage(n)).getAnnotations()) {
      if (annotation.subtype === "Link") links.push(annotation.dest ? await pageOf(annotation.dest) : -1);
    }
  }
  await doc.destroy();
  return { outline, links, pages: (await pdfText(file)).pages };
}

describe("a page that cannot be printed", () => {
  // Chromium refuses a 1000-inch page at once ("Printing failed"): a real
  // print failure, without waiting for a timeout.
  let site: string;
  const broken = "print/en-XX/broken.html";
  beforeAll(async () => {
    site = await tempDir();
    await cp(path.join(out, "site"), site, { recursive: true });
    await writeFile(path.join(site, broken), "<!doctype html><title>Broken</title><style>@page { size: 1000in 1000in }</style><p>Too big.</p>");
  });
  const render = async (jobs: PdfJob[], outDir: string, onPage: () => void) => {
    const running = await launchBrowser();
    running.browser.on("targetcreated", (target: { type(): string }) => target.type() === "page" && onPage());
    try {
      return await renderPdfs(jobs, { browser: async () => running.browser, browserId: "test", siteDir: site, outDir, meta: { author: "A", subject: "S", date: new Date(0) } });
    } finally {
      await running.close();
    }
  };
  const job = (name: string) => structuredClone(first.model.pdfs.find((j) => j.name === name)!);

  it("is tried again in a fresh tab, then named in the error", async () => {
    let tabs = 0;
    const printing = render([{ ...job("11-13-fixture-lesson-plan-a4"), html: broken }], await tempDir(), () => tabs++);
    await expect(printing).rejects.toBeInstanceOf(PrintError);
    await expect(printing).rejects.toMatchObject({
      failures: [{ file: broken, message: expect.stringMatching(/^could not print print\/en-XX\/broken\.html after a retry: .*Printing failed/) }],
    });
    // The first tab and a fresh one for the retry; tabs open for a task, so none after it failed again.
    expect(tabs).toBe(2);
  });

  it("leaves a booklet unjoined when one of its parts fails, and says which part", async () => {
    const booklet = job("kit-booklet-a4");
    booklet.booklet!.parts[1]!.html = broken;
    const outDir = await tempDir();
    // Every handout the booklet holds is printed; only the booklet itself is not made.
    const sections = first.model.pdfs.filter((j) => booklet.booklet!.sections.includes(j.pdf)).map((j) => structuredClone(j));
    expect(sections.length).toBe(booklet.booklet!.sections.length);
    const printing = render([...sections, booklet], outDir, () => undefined);
    await expect(printing).rejects.toMatchObject({ failures: [{ file: broken }] });
    expect((await readdir(path.join(outDir, "pdf", "en-XX"))).sort()).toEqual(sections.map((j) => path.basename(j.pdf)).sort());
  });
});

describe("rebuilding", () => {
  it("is byte-identical from scratch with SOURCE_DATE_EPOCH set, PDFs and site alike", async () => {
    const again = await tempDir();
    await build({ ...options, root, outDir: again });
    const files = (await readdir(path.join(out, "pdf", "en-XX"))).map((f) => `pdf/en-XX/${f}`);
    const site = (await readdir(path.join(out, "site"), { recursive: true })).filter((f) => f.endsWith(".html")).map((f) => `site/${f}`);
    for (const file of [...files, ...site]) {
      expect(Buffer.compare(await readFile(path.join(out, file)), await readFile(path.join(again, file))), file).toBe(0);
    }
    const doc = await open("kit-booklet-a4");
    expect(doc.getCreationDate()?.toISOString()).toBe("2025-11-27T00:00:00.000Z");
  });

  it("prints nothing when nothing changed, and only the edited lesson's handouts and booklet part after an edit", async () => {
    expect(first.printed).toBe(ALL.length);
    const noop = await build({ ...options, root, outDir: out });
    expect(noop.printed).toBe(0);
    expect(noop.cached).toBe(ALL.length);

    const lesson = path.join(root, "lessons/en-XX/11-13-fixture-lesson.md");
    await writeFile(lesson, (await readFile(lesson, "utf8")).replace("Stay calm.", "Stay calm and listen."));
    const edited = await build({ ...options, root, outDir: out });
    // The disclosure block is in the plan only: plan and booklet, in both
    // papers; of each booklet, only the part that holds the plan.
    expect(edited.printed).toBe(4);
    expect(edited.parts).toBe(2);
  });
});
