// Joining booklet parts (scripts/pdf/merge.ts) on small PDFs made here:
// what the booklet must keep (pages, one structure tree, bookmarks, links
// across parts, document info), every refusal, and real Chromium parts.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef } from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { beforeAll, describe, expect, it } from "vitest";
import { mergeParts, type MergeOptions } from "../scripts/pdf/merge.ts";
import { launchBrowser } from "../scripts/system/browser.ts";
import { pdfText, STANDARD_FONTS, tempDir } from "./helpers.ts";
import { pageText, qpdfCheck, taggedPdf, type PartSpec } from "./synthetic-pdf.ts";
import { described } from "./pdf-a11y-read.ts";

const N = (name: string) => PDFName.of(name);
const INFO = { title: "Joined ☂ booklet", lang: "en", author: "Author", subject: "Subject", date: new Date("2025-11-27T00:00:00Z") };
let dir: string;
beforeAll(async () => {
  dir = await tempDir("talk-early-merge-");
});

let counter = 0;
async function writePart(spec: PartSpec): Promise<string> {
  const file = path.join(dir, `part-${++counter}.pdf`);
  await writeFile(file, await taggedPdf(spec));
  return file;
}

async function merge(specs: PartSpec[], standIns: MergeOptions["standIns"] = new Map()): Promise<{ file: string; pages: number }> {
  const files = await Promise.all(specs.map(writePart));
  const file = path.join(dir, `joined-${++counter}.pdf`);
  return { file, pages: await mergeParts(files, file, { info: INFO, standIns }) };
}

/** What a reader sees: each page's text, bookmarks with their pages, each link's page, each page's tagged roles. */
async function readerView(file: string) {
  const doc = await getDocument({ data: new Uint8Array(await readFile(file)), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  const pageOf = async (dest: unknown) => {
    const explicit = typeof dest === "string" ? await doc.getDestination(dest) : dest;
    return explicit ? (await doc.getPageIndex((explicit as unknown[])[0] as never)) + 1 : -1;
  };
  const outline: { title: string; page: number }[] = [];
  type Item = { title: string; dest: unknown; items: Item[] };
  const flatten = async (items: Item[]) => {
    for (const item of items) {
      outline.push({ title: item.title, page: await pageOf(item.dest) });
      await flatten(item.items);
    }
  };
  await flatten(((await doc.getOutline()) ?? []) as Item[]);
  const links: number[][] = [];
  const roles: string[][] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const here: number[] = [];
    for (const annotation of await page.getAnnotations()) if (annotation.subtype === "Link") here.push(await pageOf(annotation.dest));
    links.push(here);
    // Content the structure tree reaches from this page (through its parent tree key) is tagged.
    const tagged: string[] = [];
    // Each content's innermost meaningful element (Chromium wraps text in NonStruct and Span).
    const walk = (node: { role?: string; type?: string; children?: unknown[] }, role: string) => {
      if (node.type === "content") tagged.push(role);
      const own = node.role && !["NonStruct", "Span"].includes(node.role) ? node.role : role;
      for (const child of node.children ?? []) walk(child as typeof node, own);
    };
    walk((await page.getStructTree()) as never, "");
    roles.push(tagged);
  }
  await doc.destroy();
  return { outline, links, roles, text: (await pdfText(file)).pages };
}

describe("joining parts", () => {
  const specs: PartSpec[] = [
    { title: "Contents", pages: 2, anchors: ["part-c"], links: ["part-b", "part-c"] },
    { title: "Part B", pages: 1, anchors: ["part-b"], links: ["part-c"] },
    { title: "Part C", pages: 2, anchors: ["part-c"] },
  ];
  let joined: { file: string; pages: number };
  beforeAll(async () => {
    // The first part holds `part-c` only as a stand-in on its own page 1.
    joined = await merge(specs, new Map([["part-c", 4]]));
  });

  it("writes every page in order, in a file qpdf finds sound", async () => {
    expect(joined.pages).toBe(5);
    expect(await qpdfCheck(joined.file)).toContain("No syntax or stream encoding errors found");
    const { text } = await readerView(joined.file);
    expect(text.map((t) => t.trim())).toEqual([
      pageText("Contents", 1),
      pageText("Contents", 2),
      pageText("Part B", 1),
      pageText("Part C", 1),
      pageText("Part C", 2),
    ]);
  });

  it("keeps one bookmark per part, pointing at its first page", async () => {
    expect((await readerView(joined.file)).outline).toEqual([
      { title: "Contents", page: 1 },
      { title: "Part B", page: 3 },
      { title: "Part C", page: 4 },
    ]);
  });

  it("sends links across parts: to a later part's own anchor, and to a stand-in's real page", async () => {
    expect((await readerView(joined.file)).links).toEqual([[3, 4], [], [4], [], []]);
  });

  it("keeps one structure tree reaching every page's content, with each part's heading first", async () => {
    const { roles } = await readerView(joined.file);
    expect(roles).toEqual([["H1"], ["P"], ["H1"], ["H1"], ["P"]]);
    const doc = await PDFDocument.load(await readFile(joined.file), { updateMetadata: false });
    const root = doc.catalog.lookup(N("StructTreeRoot"), PDFDict);
    const top = root.lookup(N("K"), PDFDict);
    expect(top.get(N("S"))).toBe(N("Document"));
    // Five pages and the three links, one element each.
    expect(top.lookup(N("K"), PDFArray).size()).toBe(8);
    expect(root.lookup(N("ParentTreeNextKey"), PDFNumber).asNumber()).toBe(2 + 2 + (1 + 1) + 2);
  });

  it("renumbers each link's parent tree key, in every part, so that it still leads to its own Link element", async () => {
    const doc = await PDFDocument.load(await readFile(joined.file), { updateMetadata: false });
    const nums = doc.catalog.lookup(N("StructTreeRoot"), PDFDict).lookup(N("ParentTree"), PDFDict).lookup(N("Nums"), PDFArray);
    const byKey = new Map<number, unknown>();
    for (let i = 0; i < nums.size(); i += 2) byKey.set(nums.lookup(i, PDFNumber).asNumber(), nums.get(i + 1));
    const annots = [0, 2].flatMap((n) => doc.getPage(n).node.lookup(N("Annots"), PDFArray).asArray() as PDFRef[]);
    expect(annots).toHaveLength(3);
    for (const ref of annots) {
      const key = doc.context.lookup(ref, PDFDict).lookup(N("StructParent"), PDFNumber).asNumber();
      const element = doc.context.lookup(byKey.get(key) as PDFRef, PDFDict);
      expect(element.get(N("S"))).toBe(N("Link"));
      expect(element.lookup(N("K"), PDFDict).get(N("Obj"))).toBe(ref);
    }
  });

  it("writes the booklet's document information and keeps the first part's language and marking", async () => {
    const doc = await PDFDocument.load(await readFile(joined.file), { updateMetadata: false });
    expect(doc.getTitle()).toBe(INFO.title);
    expect(doc.getAuthor()).toBe(INFO.author);
    expect(doc.getSubject()).toBe(INFO.subject);
    expect(doc.getCreationDate()?.toISOString()).toBe("2025-11-27T00:00:00.000Z");
    expect(String(doc.catalog.get(N("Lang")))).toBe("(en)");
    expect(String(doc.catalog.lookup(N("MarkInfo"), PDFDict).get(N("Marked")))).toBe("true");
  });

  it("writes XMP title and language, and /Contents on every link of every part", async () => {
    expect(await described(new Uint8Array(await readFile(joined.file)))).toEqual({ title: INFO.title, language: "en", links: ["Go to part b", "Go to part c", "Go to part c"], figures: [] });
  });

  it("writes the same bytes for the same parts", async () => {
    const again = await merge(specs, new Map([["part-c", 4]]));
    expect(Buffer.compare(await readFile(again.file), await readFile(joined.file))).toBe(0);
  });

  it("awaits parts still being printed, in order", async () => {
    const files = [writePart(specs[0]!), new Promise<string>((resolve) => setTimeout(() => resolve(writePart(specs[1]!)), 50)), writePart(specs[2]!)];
    const file = path.join(dir, "pending.pdf");
    expect(await mergeParts(files, file, { info: INFO, standIns: new Map([["part-c", 4]]) })).toBe(5);
    expect(Buffer.compare(await readFile(file), await readFile(joined.file))).toBe(0);
  });
});

describe("refusing a part it cannot join faithfully", () => {
  const good: PartSpec = { title: "Good", pages: 1 };
  /** Joins a good part and a broken one; resolves to the error's message. */
  async function refusal(change: PartSpec["change"], standIns?: MergeOptions["standIns"]): Promise<string> {
    const error = await merge([good, { title: "Bad", pages: 2, change }], standIns).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the join should have been refused").toBeInstanceOf(Error);
    return (error as Error).message;
  }
  const badPart = expect.stringMatching(/part-\d+\.pdf: /);

  it("joins the good part and an unbroken one", async () => {
    await expect(merge([good, { title: "Bad", pages: 2 }])).resolves.toMatchObject({ pages: 3 });
  });

  it("refuses a name tree", async () => {
    const message = await refusal((doc) => doc.catalog.set(N("Names"), doc.context.obj({})));
    expect(message).toEqual(badPart);
    expect(message).toMatch(/has a name tree, which joining does not handle$/);
  });

  it("refuses an untagged part", async () => {
    expect(await refusal((doc) => doc.catalog.delete(N("StructTreeRoot")))).toMatch(/part-\d+\.pdf: is not tagged$/);
  });

  for (const key of ["RoleMap", "ClassMap", "IDTree"]) {
    it(`refuses a structure tree with /${key}`, async () => {
      const message = await refusal((doc, built) => built.structRoot.set(N(key), doc.context.obj({})));
      expect(message).toMatch(new RegExp(`part-\\d+\\.pdf: structure tree has /${key}, which joining does not handle$`));
    });
  }

  it("refuses a structure tree that does not start with one Document element", async () => {
    const two = await refusal((doc, built) => built.structRoot.set(N("K"), doc.context.obj([built.documentRef, built.documentRef])));
    expect(two).toMatch(/structure tree does not start with one Document element$/);
    const sect = await refusal((_doc, built) => built.document.set(N("S"), N("Sect")));
    expect(sect).toMatch(/structure tree does not start with one Document element$/);
  });

  it("refuses a Document element that holds content directly", async () => {
    const message = await refusal((doc, built) => built.document.lookup(N("K"), PDFArray).push(PDFNumber.of(0)));
    expect(message).toMatch(/part-\d+\.pdf: Document element holds content directly$/);
  });

  it("refuses a page tree entry that is not a reference", async () => {
    const message = await refusal((doc, built) => {
      const pages = doc.catalog.lookup(N("Pages"), PDFDict);
      const kids = pages.lookup(N("Kids"), PDFArray);
      kids.set(1, doc.context.lookup(built.pageRefs[1]!, PDFDict).clone(doc.context));
    });
    expect(message).toMatch(/part-\d+\.pdf: a page tree entry is not a reference$/);
  });

  it("refuses a reference to an object the part does not hold", async () => {
    const message = await refusal((doc, built) => doc.context.lookup(built.pageRefs[0]!, PDFDict).set(N("PieceInfo"), PDFRef.of(9999)));
    expect(message).toMatch(/part-\d+\.pdf: refers to 9999 0 R, which it does not hold$/);
  });

  it("refuses a part with no document catalog", async () => {
    const file = await writePart(good);
    const text = (await readFile(file)).toString("latin1");
    expect(text.match(/\/Root |\/Type \/Catalog/g)).toHaveLength(2);
    // Same lengths, so every offset in the table stays right; the catalog's
    // type goes too, or pdf-lib finds it again by its type.
    const broken = path.join(dir, "no-catalog.pdf");
    await writeFile(broken, Buffer.from(text.replace("/Root ", "/Rooo ").replace("/Type /Catalog", "/Type /Catalo_"), "latin1"));
    const error = await mergeParts([await writePart(good), broken], path.join(dir, "never.pdf"), { info: INFO, standIns: new Map() }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no-catalog\.pdf: no document catalog$/);
  });

  it("refuses a stand-in anchor beyond the booklet's last page", async () => {
    const message = await refusal(undefined, new Map([["toc-9", 7]]));
    expect(message).toBe("toc-9 should start on page 7, but the booklet has 3");
  });
});

describe("joining real Chromium parts", () => {
  it("keeps their tags, bookmarks and a contents link across the join", async () => {
    const pages = {
      "one.html": `<h1 id="one">First part</h1><p><a href="#two">To the second part</a></p><p id="two">Stand-in for the second part.</p>`,
      "two.html": `<h1 id="two">Second part</h1><p>Its text.</p><div style="break-before: page"><h2>Its second page</h2></div>`,
    };
    const running = await launchBrowser();
    const files: string[] = [];
    try {
      const page = await running.browser.newPage();
      for (const [name, body] of Object.entries(pages)) {
        const html = path.join(dir, name);
        await writeFile(html, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title><style>@page { size: A4 }</style></head><body>${body}</body></html>`);
        await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
        const file = html.replace(/\.html$/, ".pdf");
        await writeFile(file, await page.pdf({ preferCSSPageSize: true, tagged: true, outline: true }));
        files.push(file);
      }
    } finally {
      await running.close();
    }
    const file = path.join(dir, "chromium-joined.pdf");
    expect(await mergeParts(files, file, { info: INFO, standIns: new Map([["two", 2]]) })).toBe(3);
    expect(await qpdfCheck(file)).toContain("No syntax or stream encoding errors found");
    const view = await readerView(file);
    expect(view.outline).toEqual([
      { title: "First part", page: 1 },
      { title: "Second part", page: 2 },
      { title: "Its second page", page: 3 },
    ]);
    expect(view.links[0]).toEqual([2]);
    view.roles.forEach((roles, i) => expect(roles.length, `page ${i + 1} has tagged content`).toBeGreaterThan(0));
    expect(view.roles[1]).toContain("H1");
    expect(view.text[2]).toContain("Its second page");
  });
});
