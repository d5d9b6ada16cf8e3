// Joins a booklet printed in parts into one PDF that keeps what makes it
// accessible: one structure tree, one outline, and links that cross parts.
//
// Why parts: Chromium holds a whole print job in memory, about 1 MB a page,
// so a kit ten times the default size needs 1.4 GB for its booklet alone.
// Printed in parts of bounded size, memory no longer grows with the kit.
// Why by hand: pdf-lib (like qpdf and pdf-merger libraries) copies pages
// but drops the structure tree and outline, and with them the tags the
// booklet must keep. So pdf-lib parses each part and writes its objects,
// and this module only renumbers them and rebuilds the few objects a
// document has once: page tree, structure root and parent tree, outline
// root, named destinations, catalog and information dictionary. Each
// part's unmarked drawing is wrapped as artifacts on the way (artifacts.ts),
// as info.ts does for a PDF printed whole. One part is in memory at a time.
import { open, readFile } from "node:fs/promises";
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFStream, PDFString, type PDFObject } from "pdf-lib";
import { markArtifacts } from "./artifacts.ts";
import { infoDictionary, linkContents, xmpPacket, type InfoFields } from "./info.ts";

/** The objects written once for the whole booklet, numbered first. */
const ONCE = { pages: 1, structRoot: 2, document: 3, parentTree: 4, outlines: 5, dests: 6, catalog: 7, info: 8, metadata: 9 } as const;

export interface MergeOptions {
  info: InfoFields;
  /**
   * Anchors the first part holds only as stand-ins, so that its contents
   * links exist at all (Chromium drops a link to a missing anchor), with
   * the booklet page each really starts on. Chromium writes a destination
   * only for an anchor its own page links to, so these are written here.
   */
  standIns: ReadonlyMap<string, number>;
  /** Told the time spent joining, not counting waits for parts still printing (npm run bench prints it). */
  busy?: { ms: number };
}

const N = (name: string) => PDFName.of(name);

/** A link's /Contents, as info.ts writes it for a PDF printed whole. */
function describe(link: PDFDict): string {
  const action = link.lookup(N("A"));
  const uri = action instanceof PDFDict ? action.lookup(N("URI")) : undefined;
  const dest = link.lookup(N("Dest"));
  return linkContents(uri instanceof PDFString || uri instanceof PDFHexString ? uri.decodeText() : undefined, dest instanceof PDFName ? dest.decodeText() : undefined);
}
const asList = (obj: PDFObject | undefined): PDFObject[] => (obj instanceof PDFArray ? obj.asArray() : obj ? [obj] : []);

/** Everything kept from one part that the whole booklet needs. */
interface Collected {
  leaves: PDFRef[];
  /** Each leaf's page height, for destinations at the top of a page. */
  heights: number[];
  nums: [number, PDFObject][];
  nextKey: number;
  documentKids: PDFObject[];
  lang?: PDFObject;
  outlineItems: PDFRef[];
  outlineCount: number;
  dests: [PDFName, PDFObject][];
  catalogExtras: [PDFName, PDFObject][];
  /** Old reference to one of the objects the booklet writes once. */
  replaced: Map<PDFRef, number>;
}

/**
 * Reads what the join needs from one part, refusing anything unexpected.
 * Longer than most functions here on purpose: it is one list of checks on
 * one document's catalog, each refusal next to the reading it guards.
 */
function collect(doc: PDFDocument, file: string): Collected {
  const ctx = doc.context;
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  const replaced = new Map<PDFRef, number>();
  const catalogRef = ctx.trailerInfo.Root;
  if (!(catalogRef instanceof PDFRef)) return fail("no document catalog");
  replaced.set(catalogRef, ONCE.catalog);
  if (ctx.trailerInfo.Info instanceof PDFRef) replaced.set(ctx.trailerInfo.Info, ONCE.info);
  const catalog = ctx.lookup(catalogRef, PDFDict);
  const metadata = catalog.get(N("Metadata"));
  if (metadata instanceof PDFRef) replaced.set(metadata, ONCE.metadata);
  if (catalog.has(N("Names"))) fail("has a name tree, which joining does not handle");

  // Page tree: leaves in order; attributes inherited from a node are copied
  // down, as the nodes are replaced by one flat node.
  const leaves: PDFRef[] = [];
  const heights: number[] = [];
  const inheritable = ["Resources", "MediaBox", "CropBox", "Rotate"].map(N);
  const walkPages = (ref: PDFObject, inherited: Map<PDFName, PDFObject>) => {
    if (!(ref instanceof PDFRef)) return fail("a page tree entry is not a reference");
    const node = ctx.lookup(ref, PDFDict);
    if (node.get(N("Type")) === N("Pages")) {
      replaced.set(ref, ONCE.pages);
      const passed = new Map(inherited);
      for (const key of inheritable) {
        const value = node.get(key);
        if (value) passed.set(key, value);
      }
      for (const kid of node.lookup(N("Kids"), PDFArray).asArray()) walkPages(kid, passed);
      return;
    }
    for (const [key, value] of inherited) if (!node.has(key)) node.set(key, value.clone(ctx));
    leaves.push(ref);
    const box = node.lookup(N("MediaBox"));
    heights.push(box instanceof PDFArray ? (box.lookup(3, PDFNumber).asNumber()) : 0);
  };
  walkPages(catalog.get(N("Pages"))!, new Map());

  // Structure tree: one Document element whose kids join the booklet's.
  const rootRef = catalog.get(N("StructTreeRoot"));
  if (!(rootRef instanceof PDFRef)) return fail("is not tagged");
  replaced.set(rootRef, ONCE.structRoot);
  const root = ctx.lookup(rootRef, PDFDict);
  for (const key of root.keys()) {
    if (!["Type", "K", "ParentTree", "ParentTreeNextKey"].includes(key.decodeText())) fail(`structure tree has /${key.decodeText()}, which joining does not handle`);
  }
  const top = asList(root.get(N("K")));
  const documentRef = top[0];
  const document = top.length === 1 && documentRef instanceof PDFRef ? ctx.lookup(documentRef, PDFDict) : undefined;
  if (!document || document.get(N("S")) !== N("Document")) return fail("structure tree does not start with one Document element");
  replaced.set(documentRef as PDFRef, ONCE.document);
  const documentKids = asList(document.get(N("K")));
  if (documentKids.some((kid) => !(kid instanceof PDFRef))) fail("Document element holds content directly");

  const nums: [number, PDFObject][] = [];
  const walkNums = (obj: PDFObject) => {
    if (obj instanceof PDFRef) replaced.set(obj, ONCE.parentTree);
    const node = obj instanceof PDFRef ? ctx.lookup(obj, PDFDict) : (obj as PDFDict);
    const pairs = node.lookup(N("Nums"));
    if (pairs instanceof PDFArray) {
      for (let i = 0; i + 1 < pairs.size(); i += 2) nums.push([(pairs.get(i) as PDFNumber).asNumber(), pairs.get(i + 1)]);
    }
    const kids = node.lookup(N("Kids"));
    if (kids instanceof PDFArray) kids.asArray().forEach(walkNums);
  };
  const parentTree = root.get(N("ParentTree"));
  if (parentTree) walkNums(parentTree);
  const declared = root.lookup(N("ParentTreeNextKey"));
  const nextKey = declared instanceof PDFNumber ? declared.asNumber() : Math.max(-1, ...nums.map(([key]) => key)) + 1;

  // Outline: the part's top-level items join the booklet's.
  const outlineItems: PDFRef[] = [];
  let outlineCount = 0;
  const outlinesRef = catalog.get(N("Outlines"));
  if (outlinesRef instanceof PDFRef) {
    replaced.set(outlinesRef, ONCE.outlines);
    const outlines = ctx.lookup(outlinesRef, PDFDict);
    const count = outlines.lookup(N("Count"));
    outlineCount = count instanceof PDFNumber ? count.asNumber() : 0;
    for (let item = outlines.get(N("First")); item instanceof PDFRef; item = ctx.lookup(item, PDFDict).get(N("Next"))) outlineItems.push(item);
  }

  const dests: [PDFName, PDFObject][] = [];
  const destsObj = catalog.get(N("Dests"));
  if (destsObj) {
    if (destsObj instanceof PDFRef) replaced.set(destsObj, ONCE.dests);
    const dict = destsObj instanceof PDFRef ? ctx.lookup(destsObj, PDFDict) : (destsObj as PDFDict);
    dests.push(...dict.entries());
  }

  const own = new Set(["Type", "Pages", "StructTreeRoot", "Outlines", "Dests", "Metadata"]);
  const catalogExtras = catalog.entries().filter(([key]) => !own.has(key.decodeText()));
  return { leaves, heights, nums, nextKey, documentKids, lang: document.get(N("Lang")), outlineItems, outlineCount, dests, catalogExtras, replaced };
}

/** Uncompressed, as XMP is meant to be readable by tools that do not parse PDF. */
function metadataStream(info: InfoFields): string {
  const xmp = Buffer.from(xmpPacket(info), "utf8").toString("latin1");
  return `<</Type /Metadata\n/Subtype /XML\n/Length ${xmp.length}>>\nstream\n${xmp}\nendstream`;
}

function objectBytes(num: number, obj: PDFObject | string): Buffer {
  const head = `${num} 0 obj\n`;
  const tail = "\nendobj\n";
  if (typeof obj === "string") return Buffer.from(head + obj + tail, "latin1");
  const size = obj.sizeInBytes();
  const bytes = Buffer.alloc(head.length + size + tail.length);
  bytes.write(head, 0, "latin1");
  obj.copyBytesInto(bytes, head.length);
  bytes.write(tail, head.length + size, "latin1");
  return bytes;
}

/**
 * Writes the parts, in order, as one PDF at `outFile` and returns its page
 * count. A part may still be printing: each is awaited in turn, so joining
 * keeps pace with the printer. Parts must be Chromium's tagged PDFs (a
 * Document element at the top of the structure tree); anything else is
 * refused with a reason.
 *
 * One function on purpose, though long: it is a single streaming pass in
 * which every step (renumbering, parent-tree keys, the outline chain, the
 * byte offsets of the cross-reference table) shares the same running
 * state; split up, each piece would take most of that state as arguments.
 * tests/pdf-merge.test.ts covers each step and each refusal.
 */
export async function mergeParts(parts: readonly (string | Promise<string>)[], outFile: string, options: MergeOptions): Promise<number> {
  const out = await open(outFile, "w");
  try {
    const offsets: number[] = [];
    let written = 0;
    const write = async (chunks: { num?: number; bytes: Buffer }[]) => {
      for (const chunk of chunks) {
        if (chunk.num !== undefined) offsets[chunk.num] = written;
        written += chunk.bytes.length;
      }
      await out.write(Buffer.concat(chunks.map((c) => c.bytes)));
    };
    await write([{ bytes: Buffer.from("%PDF-1.7\n%\x81\x81\x81\x81\n\n", "latin1") }]);

    let next = Object.keys(ONCE).length + 1;
    let keyBase = 0;
    const pages: PDFRef[] = [];
    const heights: number[] = [];
    const nums: string[] = [];
    const documentKids: PDFRef[] = [];
    const dests = new Map<PDFName, string>();
    let lang: PDFObject | undefined;
    let catalogExtras = "";
    const outline: { first?: PDFRef; last?: { num: number; item: PDFDict }; count: number } = { count: 0 };

    let started = performance.now();
    for (const [index, pending] of parts.entries()) {
      if (options.busy) options.busy.ms += performance.now() - started;
      const file = await pending;
      started = performance.now();
      const doc = await PDFDocument.load(await readFile(file), { updateMetadata: false, parseSpeed: Infinity });
      const part = collect(doc, file);
      // Parts are raw prints (as cached); the booklet gets the artifacts a handout gets in info.ts.
      markArtifacts(doc);
      const ctx = doc.context;
      const objects = ctx.enumerateIndirectObjects().filter(([ref]) => !part.replaced.has(ref));
      const renumber = new Map<PDFRef, number>(part.replaced);
      for (const [ref] of objects) renumber.set(ref, next++);
      const shift = (obj: PDFObject): PDFObject => {
        if (obj instanceof PDFRef) {
          const num = renumber.get(obj);
          if (num === undefined) throw new Error(`${file}: refers to ${obj.toString()}, which it does not hold`);
          return PDFRef.of(num);
        }
        if (obj instanceof PDFDict) for (const [key, value] of obj.entries()) obj.set(key, shift(value));
        else if (obj instanceof PDFArray) for (let i = 0; i < obj.size(); i++) obj.set(i, shift(obj.get(i)));
        else if (obj instanceof PDFStream) shift(obj.dict);
        return obj;
      };

      // Parent tree keys follow on from the previous parts'.
      for (const leaf of part.leaves) {
        const page = ctx.lookup(leaf, PDFDict);
        const key = page.get(N("StructParents"));
        if (key instanceof PDFNumber) page.set(N("StructParents"), PDFNumber.of(key.asNumber() + keyBase));
        for (const annot of asList(page.lookup(N("Annots")))) {
          const dict = annot instanceof PDFRef ? ctx.lookup(annot, PDFDict) : (annot as PDFDict);
          const own = dict.get(N("StructParent"));
          if (own instanceof PDFNumber) dict.set(N("StructParent"), PDFNumber.of(own.asNumber() + keyBase));
          if (dict.get(N("Subtype")) === N("Link") && !dict.has(N("Contents"))) dict.set(N("Contents"), PDFHexString.fromText(describe(dict)));
        }
      }
      for (const [key, value] of part.nums) nums.push(`${key + keyBase} ${shift(value).toString()}`);
      keyBase += part.nextKey;

      for (const [, obj] of objects) shift(obj);
      pages.push(...part.leaves.map((leaf) => PDFRef.of(renumber.get(leaf)!)));
      heights.push(...part.heights);
      documentKids.push(...part.documentKids.map((kid) => shift(kid) as PDFRef));
      if (index === 0) {
        lang = part.lang;
        catalogExtras = part.catalogExtras.map(([key, value]) => `\n${key.toString()} ${shift(value).toString()}`).join("");
      }
      for (const [key, value] of part.dests) {
        if (index === 0 && options.standIns.has(key.decodeText())) continue;
        if (!dests.has(key)) dests.set(key, shift(value).toString());
      }

      // The outline's top-level items are chained across parts; the last
      // one is held back until the next part's first is known.
      const chunks: { num?: number; bytes: Buffer }[] = [];
      const firstItem = part.outlineItems[0];
      const lastItem = part.outlineItems.at(-1);
      if (firstItem && lastItem) {
        const firstNum = renumber.get(firstItem)!;
        if (outline.last) {
          outline.last.item.set(N("Next"), PDFRef.of(firstNum));
          ctx.lookup(firstItem, PDFDict).set(N("Prev"), PDFRef.of(outline.last.num));
          chunks.push({ num: outline.last.num, bytes: objectBytes(outline.last.num, outline.last.item) });
        }
        outline.first ??= PDFRef.of(firstNum);
        outline.count += part.outlineCount;
        outline.last = { num: renumber.get(lastItem)!, item: ctx.lookup(lastItem, PDFDict) };
      }
      for (const [ref, obj] of objects) {
        if (ref === lastItem) continue;
        const num = renumber.get(ref)!;
        chunks.push({ num, bytes: objectBytes(num, obj) });
      }
      await write(chunks);
    }

    for (const [anchor, page] of options.standIns) {
      if (!pages[page - 1]) throw new Error(`${anchor} should start on page ${page}, but the booklet has ${pages.length}`);
      dests.set(N(anchor), `[${pages[page - 1]!.toString()} /XYZ 0 ${heights[page - 1]} 0]`);
    }
    const ref = (num: number) => `${num} 0 R`;
    const once: [number, string][] = [
      [ONCE.pages, `<</Type /Pages\n/Count ${pages.length}\n/Kids [${pages.map(String).join(" ")}]>>`],
      [ONCE.structRoot, `<</Type /StructTreeRoot\n/K ${ref(ONCE.document)}\n/ParentTree ${ref(ONCE.parentTree)}\n/ParentTreeNextKey ${keyBase}>>`],
      [ONCE.document, `<</Type /StructElem\n/S /Document${lang ? `\n/Lang ${lang.toString()}` : ""}\n/P ${ref(ONCE.structRoot)}\n/K [${documentKids.map(String).join(" ")}]>>`],
      [ONCE.parentTree, `<</Nums [${nums.join(" ")}]>>`],
      [
        ONCE.outlines,
        outline.first && outline.last
          ? `<</Type /Outlines\n/First ${outline.first.toString()}\n/Last ${ref(outline.last.num)}\n/Count ${outline.count}>>`
          : "<</Type /Outlines\n/Count 0>>",
      ],
      [ONCE.dests, `<<${[...dests].map(([key, value]) => `${key.toString()} ${value}`).join("\n")}>>`],
      [
        ONCE.catalog,
        `<</Type /Catalog\n/Pages ${ref(ONCE.pages)}\n/Dests ${ref(ONCE.dests)}\n/StructTreeRoot ${ref(ONCE.structRoot)}\n/Outlines ${ref(ONCE.outlines)}\n/Metadata ${ref(ONCE.metadata)}${catalogExtras}>>`,
      ],
      [ONCE.info, infoDictionary(options.info)],
      [ONCE.metadata, metadataStream(options.info)],
    ];
    const tail: { num?: number; bytes: Buffer }[] = [];
    if (outline.last) tail.push({ num: outline.last.num, bytes: objectBytes(outline.last.num, outline.last.item) });
    for (const [num, text] of once) tail.push({ num, bytes: objectBytes(num, text) });
    await write(tail);

    const xref = [`xref\n0 ${next}\n0000000000 65535 f \n`];
    for (let num = 1; num < next; num++) {
      if (offsets[num] === undefined) throw new Error(`object ${num} was never written`);
      xref.push(`${String(offsets[num]).padStart(10, "0")} 00000 n \n`);
    }
    xref.push(`trailer\n<</Size ${next}\n/Root ${ref(ONCE.catalog)}\n/Info ${ref(ONCE.info)}>>\nstartxref\n${written}\n%%EOF\n`);
    await write([{ bytes: Buffer.from(xref.join(""), "latin1") }]);
    if (options.busy) options.busy.ms += performance.now() - started;
    return pages.length;
  } finally {
    await out.close();
  }
}

