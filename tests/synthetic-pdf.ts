// Small tagged PDFs made in the test, laid out as Chromium lays out its
// own (classic cross-reference table, one Document element at the top of
// the structure tree, a flat parent tree, an outline, named destinations),
// so that the byte-level PDF code can be tested on inputs whose every
// object the test knows, and broken one dictionary at a time.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFOperator,
  PDFOperatorNames,
  PDFRef,
  PDFString,
  StandardFonts,
} from "pdf-lib";

const N = (name: string) => PDFName.of(name);
const A4: [number, number] = [595.28, 841.89];

export interface PartSpec {
  /** The outline item's title, and the heading on the part's first page. */
  title: string;
  pages: number;
  /** Named destinations this part holds, each at the top of its first page. */
  anchors?: string[];
  /** Named destinations the first page links to (a contents page does). */
  links?: string[];
  /** Last chance to break the document before it is written. */
  change?: (doc: PDFDocument, parts: Built) => void;
}

/** The objects of a built part that a change may want to break. */
export interface Built {
  catalog: PDFDict;
  structRoot: PDFDict;
  document: PDFDict;
  documentRef: PDFRef;
  pageRefs: PDFRef[];
}

/** Text drawn on page `n` (1-based) of a part: what the tests look for after joining. */
export const pageText = (title: string, n: number) => `${title} page ${n}`;

/**
 * A tagged PDF: page 1 carries an H1, every other page a P, each wrapping
 * the page's one line of text as marked content; every link is an OBJR
 * child of a Link element, as Chromium writes them.
 */
export async function taggedPdf(spec: PartSpec): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const ctx = doc.context;
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const structRootRef = ctx.nextRef();
  const documentRef = ctx.nextRef();
  const elements: PDFRef[] = [];
  const nums: (number | PDFRef | PDFArray)[] = [];
  const pageRefs: PDFRef[] = [];

  for (let n = 1; n <= spec.pages; n++) {
    const page = doc.addPage(A4);
    pageRefs.push(page.ref);
    const role = n === 1 ? "H1" : "P";
    // pdf-lib's operator type leaves out dictionaries, though BDC takes one and pdf-lib writes it.
    const properties = ctx.obj({ MCID: 0 }) as unknown as PDFArray;
    page.pushOperators(PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [N(role), properties]));
    page.drawText(pageText(spec.title, n), { x: 72, y: 760, size: n === 1 ? 24 : 12, font });
    page.pushOperators(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
    page.node.set(N("StructParents"), PDFNumber.of(n - 1));
    const element = ctx.register(ctx.obj({ Type: "StructElem", S: role, P: documentRef, Pg: page.ref, K: 0 }));
    elements.push(element);
    nums.push(n - 1, ctx.obj([element]));
  }

  // Links on the first page, with parent tree keys after the pages'.
  let nextKey = spec.pages;
  const annots = ctx.obj([]);
  for (const [i, target] of (spec.links ?? []).entries()) {
    const rect = [72, 700 - 20 * i, 300, 716 - 20 * i];
    const annot = ctx.register(ctx.obj({ Type: "Annot", Subtype: "Link", Rect: rect, Border: [0, 0, 0], Dest: N(target), StructParent: nextKey }));
    annots.push(annot);
    const link = ctx.register(ctx.obj({ Type: "StructElem", S: "Link", P: documentRef, Pg: pageRefs[0], K: ctx.obj({ Type: "OBJR", Obj: annot, Pg: pageRefs[0] }) }));
    elements.push(link);
    nums.push(nextKey++, link);
  }
  if (annots.size() > 0) doc.getPage(0).node.set(N("Annots"), annots);

  const parentTree = ctx.register(ctx.obj({ Nums: nums }));
  const document = ctx.obj({ Type: "StructElem", S: "Document", P: structRootRef, K: elements });
  ctx.assign(documentRef, document);
  const structRoot = ctx.obj({ Type: "StructTreeRoot", K: documentRef, ParentTree: parentTree, ParentTreeNextKey: nextKey });
  ctx.assign(structRootRef, structRoot);

  const catalog = doc.catalog;
  catalog.set(N("StructTreeRoot"), structRootRef);
  catalog.set(N("MarkInfo"), ctx.obj({ Marked: true }));
  catalog.set(N("Lang"), PDFString.of("en"));
  const top = (ref: PDFRef) => ctx.obj([ref, N("XYZ"), 0, A4[1], 0]);
  const outlinesRef = ctx.nextRef();
  const item = ctx.register(ctx.obj({ Title: PDFHexString.fromText(spec.title), Parent: outlinesRef, Dest: top(pageRefs[0]!) }));
  ctx.assign(outlinesRef, ctx.obj({ Type: "Outlines", First: item, Last: item, Count: 1 }));
  catalog.set(N("Outlines"), outlinesRef);
  const dests = ctx.obj({});
  for (const anchor of spec.anchors ?? []) dests.set(N(anchor), top(pageRefs[0]!));
  catalog.set(N("Dests"), ctx.register(dests));

  spec.change?.(doc, { catalog, structRoot, document, documentRef, pageRefs });
  return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
}

const run = promisify(execFile);

/**
 * qpdf's own structural check (cross-reference offsets, object syntax,
 * streams): a reader independent of pdf-lib and pdf.js, which both repair
 * what they can and so would hide a broken table.
 */
export async function qpdfCheck(file: string): Promise<string> {
  const { stdout } = await run("qpdf", ["--check", file]);
  return stdout;
}
