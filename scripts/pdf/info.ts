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
import { PDFDocument } from "pdf-lib";

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

  const number = Number(size);
  const info = `${number} 0 obj\n${infoDictionary(fields)}\nendobj\n`;
  const start = dated.endsWith("\n") ? dated : `${dated}\n`;
  const xrefAt = start.length + info.length;
  const update =
    `${info}xref\n${number} 1\n${String(start.length).padStart(10, "0")} 00000 n \n` +
    `trailer\n<</Size ${number + 1}\n/Root ${root}\n/Info ${number} 0 R\n/Prev ${trailer[2]}>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(start + update, "latin1"));
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
  return doc.save({ useObjectStreams: false });
}

export async function setInfo(pdf: Uint8Array, fields: InfoFields): Promise<Uint8Array> {
  return appendInfo(pdf, fields) ?? rewriteInfo(pdf, fields);
}

/** Page count without parsing the file: Chromium writes one /Type /Page per page. */
export function countPages(pdf: Uint8Array): number {
  return Buffer.from(pdf).toString("latin1").match(/\/Type \/Page\b(?!s)/g)?.length ?? 0;
}
