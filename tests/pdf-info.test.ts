// Stamping document information (scripts/pdf/info.ts): the in-place
// incremental update on PDFs laid out as Chromium writes them, the pdf-lib
// fallback on any other layout, and the page count.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PDFDocument, PDFHexString, PDFName, PDFString } from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { beforeAll, describe, expect, it } from "vitest";
import { appendInfo, countPages, infoDictionary, pdfDate, pdfText, setInfo, type InfoFields } from "../scripts/pdf/info.ts";
import { launchBrowser } from "../scripts/system/browser.ts";
import { STANDARD_FONTS, tempDir } from "./helpers.ts";
import { qpdfCheck, taggedPdf } from "./synthetic-pdf.ts";
import { described } from "./pdf-a11y-read.ts";

const FIELDS: InfoFields = {
  title: "Ça va? 日本語 😀 (brackets) \\ slash",
  lang: "fr",
  author: "Auteur é",
  subject: "Sujet",
  date: new Date("2025-11-27T08:09:10Z"),
};
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
let dir: string;
beforeAll(async () => {
  dir = await tempDir("talk-early-info-");
});

/** The information a reader finds, read by pdf.js (independent of how it was written). */
async function infoOf(pdf: Uint8Array) {
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  const { info } = (await doc.getMetadata()) as unknown as { info: Record<string, unknown> };
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, title: info.Title, author: info.Author, subject: info.Subject, creator: info.Creator, producer: info.Producer, created: info.CreationDate, modified: info.ModDate };
}

const EXPECTED = {
  title: FIELDS.title,
  author: FIELDS.author,
  subject: FIELDS.subject,
  creator: "Talk Early kit",
  producer: "Talk Early kit (Chromium)",
  created: "D:20251127080910+00'00'",
  modified: "D:20251127080910+00'00'",
};

async function sound(pdf: Uint8Array, name: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, pdf);
  return qpdfCheck(file);
}

describe("PDF strings and dates", () => {
  it("writes dates in Skia's fixed-length form, always UTC", () => {
    expect(pdfDate(new Date("2025-01-02T03:04:05.678Z"))).toBe("D:20250102030405+00'00'");
    expect(pdfDate(new Date(0))).toHaveLength("D:20250102030405+00'00'".length);
  });

  it("writes any text as UTF-16BE hex with a byte-order mark, so brackets and backslashes need no escaping", () => {
    expect(pdfText("A(")).toBe("<FEFF00410028>");
    expect(pdfText("😀")).toBe("<FEFFD83DDE00>");
    expect(PDFHexString.of(pdfText(FIELDS.title).slice(1, -1)).decodeText()).toBe(FIELDS.title);
  });

  it("builds one information dictionary with every field", () => {
    const dict = infoDictionary(FIELDS);
    for (const key of ["Title", "Author", "Subject", "Creator", "Producer", "CreationDate", "ModDate"]) expect(dict).toContain(`/${key} `);
  });
});

describe("the incremental update, on a PDF laid out as Chromium writes it", () => {
  let chromium: Uint8Array;
  beforeAll(async () => {
    const running = await launchBrowser();
    try {
      const page = await running.browser.newPage();
      await page.setContent('<!doctype html><html lang="en"><title>Printed</title><p>One <a href="https://example.org/livestream(b)">out</a> <a href="#two">in</a></p><p id="two" style="break-before: page">Two</p></html>');
      chromium = await page.pdf({ tagged: true, outline: true });
    } finally {
      await running.close();
    }
  });

  it("keeps every byte before the update except the two dates, which keep their length", async () => {
    const updated = appendInfo(chromium, FIELDS);
    expect(updated, "Chromium's layout takes the fast path").toBeDefined();
    const before = latin1(chromium);
    const after = latin1(updated!);
    const dates = /\/(CreationDate|ModDate) \(D:[^)]*\)/g;
    expect(before.match(dates)?.length, "Chromium writes both dates").toBe(2);
    expect(after.slice(0, before.length).replace(dates, "")).toBe(before.replace(dates, ""));
    expect(after.slice(0, before.length).match(dates)).toEqual([`/CreationDate (${EXPECTED.created})`, `/ModDate (${EXPECTED.modified})`]);
  });

  it("appends one update pointing back at the original cross-reference table, in a file qpdf finds sound", async () => {
    const updated = setInfo(chromium, FIELDS);
    const after = latin1(await updated);
    const original = /startxref\s*(\d+)\s*%%EOF\s*$/.exec(latin1(chromium))![1];
    expect(after.match(/%%EOF/g)).toHaveLength(2);
    expect(after).toContain(`/Prev ${original}>>`);
    expect(await sound(await updated, "chromium-stamped.pdf")).toContain("No syntax or stream encoding errors found");
  });

  it("is read back by pdf.js with every field, the pages unchanged", async () => {
    const updated = await setInfo(chromium, FIELDS);
    expect(await infoOf(updated)).toEqual({ ...EXPECTED, pages: 2 });
  });

  it("is the same bytes each time", async () => {
    expect(Buffer.compare(await setInfo(chromium, FIELDS), await setInfo(chromium, FIELDS))).toBe(0);
  });

  it("adds XMP title and language, and /Contents on every link (its address or destination), with no PDF/UA claim", async () => {
    const updated = appendInfo(chromium, FIELDS)!;
    expect(await described(chromium), "Chromium writes neither").toEqual({ title: undefined, language: undefined, links: ["", ""], figures: [] });
    expect(await described(updated)).toEqual({ title: FIELDS.title, language: "fr", links: ["https://example.org/livestream(b)", "Go to two"], figures: [] });
    expect(latin1(updated)).not.toContain("pdfuaid");
    expect(await sound(updated, "chromium-described.pdf")).toContain("No syntax or stream encoding errors found");
  });

  it("counts Chromium's pages without parsing", async () => {
    expect(countPages(chromium)).toBe(2);
    expect(countPages(await setInfo(chromium, FIELDS))).toBe(2);
  });
});

describe("the pdf-lib fallback, on any other layout", () => {
  // Each of these makes appendInfo give up; setInfo must then still stamp
  // every field, through pdf-lib.
  const layouts: Record<string, () => Promise<Uint8Array>> = {
    "a cross-reference stream (no trailer keyword)": async () => {
      const doc = await PDFDocument.create({ updateMetadata: false });
      doc.addPage();
      doc.addPage();
      return doc.save({ useObjectStreams: true });
    },
    "dates of another length": async () => {
      const doc = await PDFDocument.create();
      doc.addPage();
      doc.addPage();
      doc.setCreationDate(new Date(0));
      return doc.save({ useObjectStreams: false });
    },
    "a tagged PDF whose trailer is followed by junk": async () => {
      const pdf = await taggedPdf({ title: "Tagged", pages: 2, links: ["far-away"] });
      return new Uint8Array(Buffer.concat([Buffer.from(pdf), Buffer.from("\n% a comment after the end\n", "latin1")]));
    },
  };

  for (const [layout, make] of Object.entries(layouts)) {
    it(`falls back for ${layout}, and still stamps every field`, async () => {
      const pdf = await make();
      expect(appendInfo(pdf, FIELDS), "the fast path declines").toBeUndefined();
      const stamped = await setInfo(pdf, FIELDS);
      expect(await infoOf(stamped)).toEqual({ ...EXPECTED, created: expect.stringMatching(/^D:20251127080910/), modified: expect.stringMatching(/^D:20251127080910/), pages: 2 });
      const doc = await PDFDocument.load(stamped, { updateMetadata: false });
      expect(doc.catalog.get(PDFName.of("Lang"))).toEqual(PDFString.of("fr"));
      const seen = await described(stamped);
      expect(seen).toMatchObject({ title: FIELDS.title, language: "fr" });
      expect(seen.links).toEqual(layout.includes("junk") ? ["Go to far away"] : []);
    });
  }

  it("declines an encrypted file, which it must not append to in the clear", async () => {
    const doc = await PDFDocument.create({ updateMetadata: false });
    doc.addPage();
    doc.context.trailerInfo.Encrypt = doc.context.obj({ Filter: PDFName.of("Standard") });
    const pdf = await doc.save({ useObjectStreams: false });
    expect(latin1(pdf)).toMatch(/trailer\s*<<[^]*\/Encrypt/);
    expect(appendInfo(pdf, FIELDS)).toBeUndefined();
    // pdf-lib refuses it as well: an error, never a half-stamped file.
    await expect(setInfo(pdf, FIELDS)).rejects.toThrow(/encrypted/);
  });

  it("takes the fast path for a pdf-lib file laid out like Chromium's, with no dates at all", async () => {
    const pdf = await taggedPdf({ title: "Tagged", pages: 3, anchors: ["far-away"], links: ["far-away"] });
    const updated = appendInfo(pdf, FIELDS);
    expect(updated).toBeDefined();
    expect(await described(updated!)).toEqual({ title: FIELDS.title, language: "fr", links: ["Go to far away"], figures: [] });
    expect(await infoOf(updated!)).toEqual({ ...EXPECTED, pages: 3 });
    expect(await sound(updated!, "synthetic-stamped.pdf")).toContain("No syntax or stream encoding errors found");
    expect(countPages(pdf)).toBe(3);
  });
});
