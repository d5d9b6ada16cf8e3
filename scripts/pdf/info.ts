// The document information of a Chromium PDF, set without rewriting the
// file. Chromium already writes the title (from <title>), the language
// (from <html lang>), the tags and the bookmarks; what it cannot write is
// the author and subject, and its dates are the wall clock. pdf-lib can set
// these too, but it re-parses and re-writes every object: measured at
// 50-100 ms a handout and ~750 ms a booklet, a third of the browser's own
// print time (npm run bench). Here the two dates are overwritten in place
// (same length, so no offset moves) and a new information dictionary is
// appended as a PDF incremental update (ISO 32000-1, 7.5.6). Anything
// unexpected falls back to pdf-lib.
//
// The same update carries what assistive technology reads beyond the tags:
// an XMP metadata stream on the catalog (title, language, author, subject,
// dates; no PDF/UA claim, as no conformance check runs) and /Contents on
// every link annotation, so a screen reader says where a link goes. The
// catalog and each such annotation are written again as new versions of
// the same object numbers, which the update's cross-reference points at.
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, type PDFObject } from "pdf-lib";

export interface InfoFields {
  title: string;
  lang: string;
  author: string;
  subject: string;
  date: Date;
}

const CREATOR = "Talk Early kit";
const PRODUCER = "Talk Early kit (Chromium)";

/** PDF date in Skia's own form, D:YYYYMMDDHHmmSS+00'00', so it fits where Skia's was. */
export function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+00'00'`;
}

/** Any text as a PDF text string: UTF-16BE with a byte-order mark, in hex. */
export function pdfText(text: string): string {
  let hex = "FEFF";
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, "0").toUpperCase();
  return `<${hex}>`;
}

/** The information dictionary this kit writes into every PDF. */
export function infoDictionary(fields: InfoFields): string {
  const date = pdfDate(fields.date);
  return (
    `<</Title ${pdfText(fields.title)}\n/Author ${pdfText(fields.author)}\n/Subject ${pdfText(fields.subject)}\n` +
    `/Creator (${CREATOR})\n/Producer (${PRODUCER})\n/CreationDate (${date})\n/ModDate (${date})>>`
  );
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The XMP packet (ISO 16684-1) for a document. Its dates are the build
 * date, not the wall clock, so a rebuild stays byte-identical.
 */
export function xmpPacket(fields: InfoFields): string {
  const date = fields.date.toISOString().replace(/\.\d{3}Z$/, "Z");
  const alt = (text: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(text)}</rdf:li></rdf:Alt>`;
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n` +
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n` +
    `<dc:format>application/pdf</dc:format>\n<dc:title>${alt(fields.title)}</dc:title>\n` +
    `<dc:language><rdf:Bag><rdf:li>${escapeXml(fields.lang)}</rdf:li></rdf:Bag></dc:language>\n` +
    `<dc:creator><rdf:Seq><rdf:li>${escapeXml(fields.author)}</rdf:li></rdf:Seq></dc:creator>\n` +
    `<dc:description>${alt(fields.subject)}</dc:description>\n` +
    `<xmp:CreateDate>${date}</xmp:CreateDate>\n<xmp:ModifyDate>${date}</xmp:ModifyDate>\n<xmp:MetadataDate>${date}</xmp:MetadataDate>\n` +
    `<xmp:CreatorTool>${CREATOR}</xmp:CreatorTool>\n<pdf:Producer>${PRODUCER}</pdf:Producer>\n` +
    `</rdf:Description>\n</rdf:RDF></x:xmpmeta>\n<?xpacket end="r"?>`
  );
}

/** What a link says it does, when its text is not at hand: its address, or its destination. */
export function linkContents(uri: string | undefined, dest: string | undefined): string {
  if (uri !== undefined) return uri;
  // Anchor names are slugs (the kit prefixes sections with "s-"): read as words.
  if (dest !== undefined) return `Go to ${dest.replace(/^s-/, "").replaceAll("-", " ")}`;
  return "Go to another place in this document";
}

/** Reads a PDF literal string's bytes (ISO 32000-1, 7.3.4.2): only what a URI may hold. */
function literal(body: string): string {
  return body.replace(/\\([0-7]{1,3}|[\s\S])/g, (_m, c: string) => {
    if (/^[0-7]/.test(c)) return String.fromCharCode(parseInt(c, 8));
    return ({ n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" } as Record<string, string>)[c] ?? c;
  });
}

/** Each object's last version, as dictionary text; streams are skipped. */
function dictionaries(text: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const head of text.matchAll(/(?:^|[\r\n])(\d+) 0 obj\s*/g)) {
    const start = head.index + head[0].length;
    const end = text.indexOf("endobj", start);
    if (end < 0) break;
    const body = text.slice(start, end).trimEnd();
    if (body.startsWith("<<") && body.endsWith(">>") && !/>>\s*stream\r?\n/.test(body)) found.set(Number(head[1]), body);
  }
  return found;
}

/** New versions of link annotations without /Contents; undefined if one cannot be read. */
function linkUpdates(objects: Map<number, string>): Map<number, string> | undefined {
  const updates = new Map<number, string>();
  for (const [num, body] of objects) {
    if (!/\/Subtype\s*\/Link\b/.test(body) || /\/Contents\b/.test(body)) continue;
    const uri = /\/URI\s*\(((?:\\[\s\S]|[^\\)])*)\)/.exec(body);
    const dest = /\/Dest\s*\/([^\s/<>[\]()]+)/.exec(body);
    if (!uri && /\/URI\s*</.test(body)) return undefined;
    const contents = linkContents(uri ? literal(uri[1]!) : undefined, dest?.[1]);
    updates.set(num, `${body.slice(0, -2)}\n/Contents ${pdfText(contents)}>>`);
  }
  return updates;
}

/** The fast path; undefined when the file is not laid out as Chromium writes it. */
export function appendInfo(pdf: Uint8Array, fields: InfoFields): Uint8Array | undefined {
  const text = Buffer.from(pdf).toString("latin1");
  const tail = text.slice(-1024);
  const trailer = /trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$/.exec(tail);
  if (!trailer) return undefined;
  const size = /\/Size (\d+)/.exec(trailer[1]!)?.[1];
  const root = /\/Root (\d+ \d+ R)/.exec(trailer[1]!)?.[1];
  if (!size || !root || /\/Encrypt/.test(trailer[1]!)) return undefined;

  const date = pdfDate(fields.date);
  let sameLength = true;
  const dated = text.replace(/\/(CreationDate|ModDate) \((D:[^)]*)\)/g, (_match, key: string, value: string) => {
    if (value.length !== date.length) sameLength = false;
    return `/${key} (${date})`;
  });
  if (!sameLength || dated.length !== text.length) return undefined;

  const objects = dictionaries(text);
  const catalog = objects.get(Number(root.split(" ")[0]));
  const links = linkUpdates(objects);
  if (!catalog || !root.endsWith(" 0 R") || /\/Metadata\b/.test(catalog) || !links) return undefined;

  const number = Number(size);
  const [info, metadata] = [number, number + 1];
  const xmp = Buffer.from(xmpPacket(fields), "utf8").toString("latin1");
  const written = new Map<number, string>([
    [info, infoDictionary(fields)],
    [metadata, `<</Type /Metadata\n/Subtype /XML\n/Length ${xmp.length}>>\nstream\n${xmp}\nendstream`],
    [Number(root.split(" ")[0]), `${catalog.slice(0, -2)}\n/Metadata ${metadata} 0 R>>`],
    ...links,
  ]);
  let body = dated.endsWith("\n") ? dated : `${dated}\n`;
  const offsets = new Map<number, number>();
  for (const [num, obj] of written) {
    offsets.set(num, body.length);
    body += `${num} 0 obj\n${obj}\nendobj\n`;
  }
  // One subsection an object: valid, and no need to find runs of numbers.
  const xref = [...offsets].sort(([a], [b]) => a - b).map(([num, at]) => `${num} 1\n${String(at).padStart(10, "0")} 00000 n \n`);
  const update =
    `xref\n${xref.join("")}` +
    `trailer\n<</Size ${number + 2}\n/Root ${root}\n/Info ${info} 0 R\n/Prev ${trailer[2]}>>\nstartxref\n${body.length}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body + update, "latin1"));
}

/** The same /Contents and XMP, written through pdf-lib. */
export function describeLinks(doc: PDFDocument): void {
  const N = PDFName.of;
  const text = (obj: PDFObject | undefined) => (obj instanceof PDFString || obj instanceof PDFHexString ? obj.decodeText() : undefined);
  for (const page of doc.getPages()) {
    const annots = page.node.lookup(N("Annots"));
    if (!(annots instanceof PDFArray)) continue;
    for (let i = 0; i < annots.size(); i++) {
      const annot = annots.lookup(i);
      if (!(annot instanceof PDFDict) || annot.get(N("Subtype")) !== N("Link") || annot.has(N("Contents"))) continue;
      const action = annot.lookup(N("A"));
      const uri = action instanceof PDFDict ? text(action.lookup(N("URI"))) : undefined;
      const dest = annot.lookup(N("Dest"));
      annot.set(N("Contents"), PDFHexString.fromText(linkContents(uri, dest instanceof PDFName ? dest.decodeText() : undefined)));
    }
  }
}

function addXmp(doc: PDFDocument, fields: InfoFields): void {
  const stream = doc.context.stream(Buffer.from(xmpPacket(fields), "utf8"), { Type: "Metadata", Subtype: "XML" });
  doc.catalog.set(PDFName.of("Metadata"), doc.context.register(stream));
}

/** The slow, general path. */
async function rewriteInfo(pdf: Uint8Array, fields: InfoFields): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  doc.setTitle(fields.title, { showInWindowTitleBar: true });
  doc.setLanguage(fields.lang);
  doc.setAuthor(fields.author);
  doc.setSubject(fields.subject);
  doc.setCreator(CREATOR);
  doc.setProducer(PRODUCER);
  doc.setCreationDate(fields.date);
  doc.setModificationDate(fields.date);
  addXmp(doc, fields);
  describeLinks(doc);
  return doc.save({ useObjectStreams: false });
}

export async function setInfo(pdf: Uint8Array, fields: InfoFields): Promise<Uint8Array> {
  return appendInfo(pdf, fields) ?? rewriteInfo(pdf, fields);
}

/** Page count without parsing the file: Chromium writes one /Type /Page per page. */
export function countPages(pdf: Uint8Array): number {
  return Buffer.from(pdf).toString("latin1").match(/\/Type \/Page\b(?!s)/g)?.length ?? 0;
}
