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
// dates; no PDF/UA claim, as no conformance check runs), /Contents on
// every link annotation, so a screen reader says where a link goes, and
// every page's content stream with the drawing Chromium leaves untagged
// (logo, icons, running footer, borders, backgrounds) wrapped as artifacts
// (artifacts.ts), so that all content is tagged or an artifact. Form
// XObjects that hold tags of their own (/StructParents) are wrapped inside
// instead of at their Do; other forms and images are wrapped where they
// are drawn. The catalog, each such annotation and each such stream are
// written again as new versions of the same object numbers, which the
// update's cross-reference points at: the file is not rewritten.
import { deflateSync, inflateSync } from "node:zlib";
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, type PDFObject } from "pdf-lib";
import { joinContent, markArtifacts, wrapArtifacts } from "./artifacts.ts";

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

/** A stream object's dictionary text and where its data starts in the file. */
interface StreamObject {
  dict: string;
  data: number;
}

/** Each object's last version: dictionaries as text, streams as their dictionary and data offset. */
function dictionaries(text: string): { dicts: Map<number, string>; streams: Map<number, StreamObject> } {
  const dicts = new Map<number, string>();
  const streams = new Map<number, StreamObject>();
  for (const head of text.matchAll(/(?:^|[\r\n])(\d+) 0 obj\s*/g)) {
    const start = head.index + head[0].length;
    const end = text.indexOf("endobj", start);
    if (end < 0) break;
    const body = text.slice(start, end).trimEnd();
    if (!body.startsWith("<<")) continue;
    // The first ">>" followed by the stream keyword closes a stream's dictionary (nested ones are followed by keys).
    const stream = /^(<<[\s\S]*?>>)\s*stream\r?\n/.exec(body);
    if (stream) streams.set(Number(head[1]), { dict: stream[1]!, data: start + stream[0].length });
    else if (body.endsWith(">>")) dicts.set(Number(head[1]), body);
  }
  return { dicts, streams };
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

const NAME_ESCAPE = /#([0-9A-Fa-f]{2})/g;
const nameOf = (raw: string) => raw.replace(NAME_ESCAPE, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/**
 * The form XObjects a page or form can call that hold marked content of
 * their own (/StructParents): name to object number. Undefined when its
 * resources cannot be read from the text (inherited, or an XObject that is
 * not a stream here).
 */
function taggedForms(dict: string, objects: Map<number, string>, streams: Map<number, StreamObject>): Map<string, number> | undefined {
  const indirect = /\/Resources\s+(\d+) 0 R/.exec(dict);
  const resources = indirect ? objects.get(Number(indirect[1])) : /\/Resources\s*<</.test(dict) ? dict : undefined;
  if (resources === undefined) return undefined;
  const xobject = /\/XObject\s*(?:<<([^<>]*)>>|(\d+) 0 R)/.exec(resources);
  const forms = new Map<string, number>();
  if (!xobject) return /\/XObject\b\s*[<\d]/.test(resources) ? undefined : forms;
  const entries = xobject[1] ?? objects.get(Number(xobject[2]))?.slice(2, -2);
  if (entries === undefined) return undefined;
  for (const [, name, num] of entries.matchAll(/\/([^\s/<>[\]()]+)\s+(\d+) 0 R/g)) {
    const stream = streams.get(Number(num));
    if (!stream) return undefined;
    if (/\/Subtype\s*\/Form\b/.test(stream.dict) && /\/StructParents?\s/.test(stream.dict)) forms.set(nameOf(name!), Number(num));
  }
  return forms;
}

/** A FlateDecode stream's decoded data; undefined when it is not one, or its length is not direct and right. */
function inflated(pdf: Uint8Array, text: string, stream: StreamObject): Uint8Array | undefined {
  const length = /\/Length (\d+)(?!\s+\d+\s+R)/.exec(stream.dict);
  if (!length || !/\/Filter\s*\/FlateDecode\s*[/>]/.test(stream.dict) || /\/DecodeParms/.test(stream.dict)) return undefined;
  const end = stream.data + Number(length[1]);
  if (!/^\r?\n?endstream/.test(text.slice(end, end + 11))) return undefined;
  try {
    return inflateSync(pdf.subarray(stream.data, end));
  } catch {
    return undefined;
  }
}

/** A new version of a stream object: its dictionary with the new length, and the data compressed. */
function deflated(stream: StreamObject, bytes: Uint8Array): string {
  const data = deflateSync(bytes);
  return `${stream.dict.replace(/\/Length \d+/, `/Length ${data.length}`)} stream\n${data.toString("latin1")}\nendstream`;
}

/**
 * New versions of every page's content stream, and of the tagged forms
 * they call, with what Chromium left unmarked wrapped as artifacts
 * (artifacts.ts). A page's several streams are one stream split between
 * tokens (ISO 32000-1, 7.8.2): the first takes all of it, wrapped, the
 * others become empty, so the page itself need not change. Undefined when
 * anything is not laid out as expected.
 */
function contentUpdates(pdf: Uint8Array, text: string, objects: Map<number, string>, streams: Map<number, StreamObject>): Map<number, string> | undefined {
  const updates = new Map<number, string>();
  const todo: { nums: number[]; dict: string }[] = [];
  const used = new Map<number, number>();
  for (const dict of objects.values()) {
    if (!/\/Type\s*\/Page\b/.test(dict)) continue;
    const contents = /\/Contents\s*(?:(\d+) 0 R|\[([\d\sR]*)\])/.exec(dict);
    if (!contents && /\/Contents\b/.test(dict)) return undefined;
    if (!contents) continue;
    const nums = contents[1] ? [Number(contents[1])] : [...contents[2]!.matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
    for (const num of nums) used.set(num, (used.get(num) ?? 0) + 1);
    todo.push({ nums, dict });
  }
  // A stream shared by pages is wrapped once, unless it is part of an array (it would then be emptied for the other).
  if (todo.some(({ nums }) => nums.length > 1 && nums.some((num) => used.get(num)! > 1))) return undefined;
  const seen = new Set<number>();
  for (let next = todo.pop(); next; next = todo.pop()) {
    if (next.nums.length === 0 || seen.has(next.nums[0]!)) continue;
    next.nums.forEach((num) => seen.add(num));
    const parts = next.nums.map((num) => streams.get(num));
    // A form's resources are in its own dictionary; a page's in the page's.
    const forms = taggedForms(next.dict, objects, streams);
    const data = parts.map((part) => part && inflated(pdf, text, part));
    if (!forms || data.some((bytes) => !bytes)) return undefined;
    for (const num of forms.values()) todo.push({ nums: [num], dict: streams.get(num)!.dict });
    const joined = joinContent(data as Uint8Array[]);
    const result = wrapArtifacts(joined, { keepDo: new Set(forms.keys()) });
    if (!result.wrapped) continue;
    updates.set(next.nums[0]!, deflated(parts[0]!, result.bytes));
    for (const [i, num] of next.nums.entries()) if (i > 0) updates.set(num, deflated(parts[i]!, new Uint8Array(0)));
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

  const { dicts: objects, streams } = dictionaries(text);
  const catalog = objects.get(Number(root.split(" ")[0]));
  const links = linkUpdates(objects);
  if (!catalog || !root.endsWith(" 0 R") || /\/Metadata\b/.test(catalog) || !links) return undefined;
  const contents = contentUpdates(pdf, text, objects, streams);
  if (!contents) return undefined;

  const number = Number(size);
  const [info, metadata] = [number, number + 1];
  const xmp = Buffer.from(xmpPacket(fields), "utf8").toString("latin1");
  const written = new Map<number, string>([
    [info, infoDictionary(fields)],
    [metadata, `<</Type /Metadata\n/Subtype /XML\n/Length ${xmp.length}>>\nstream\n${xmp}\nendstream`],
    [Number(root.split(" ")[0]), `${catalog.slice(0, -2)}\n/Metadata ${metadata} 0 R>>`],
    ...links,
    ...contents,
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
  markArtifacts(doc);
  return doc.save({ useObjectStreams: false });
}

export async function setInfo(pdf: Uint8Array, fields: InfoFields): Promise<Uint8Array> {
  return appendInfo(pdf, fields) ?? rewriteInfo(pdf, fields);
}

/** Page count without parsing the file: Chromium writes one /Type /Page per page. */
export function countPages(pdf: Uint8Array): number {
  return Buffer.from(pdf).toString("latin1").match(/\/Type \/Page\b(?!s)/g)?.length ?? 0;
}
