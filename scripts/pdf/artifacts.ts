// Marks the drawing Chromium leaves untagged as artifacts (ISO 32000-1,
// 14.8.2.2). In a tagged PDF all content is either marked content that
// belongs to the structure tree or an artifact (PDF/UA, ISO 14289-1, 7.1).
// Chromium (Skia) tags what the page exposes to assistive technology and
// writes everything else with no marked content at all: the logo and icons
// (aria-hidden), the running footer (a page-margin box), borders, rules and
// backgrounds. Skia never writes /Artifact. So whatever lies outside every
// marked-content sequence is, by construction, what the page hid or never
// exposed, and is wrapped here in `/Artifact BMC ... EMC`.
//
// Marked-content operators may stand only between graphics objects (ISO
// 32000-1, 14.6), never inside one or between an operator and its operands,
// so whole objects are wrapped: a path from its first construction operator
// to its painting operator (a clip-only path, ending in `n`, paints nothing
// and is left alone), a text object BT..ET, an XObject's `Do`, a shading's
// `sh`, an inline image BI..ID..EI. Graphics-state operators (q, Q, cm, gs,
// colours) stay where they are, outside, so nothing drawn changes.
//
// Why by hand: no maintained npm library rewrites a content stream without
// re-writing the whole file (pdf-lib parses documents, not content
// streams; pdf.js only reads them), and this runs on every page of every
// PDF, so it scans bytes once, with no regular expression per token.
// wrapArtifacts is pure (bytes in, bytes out): info.ts uses it on the
// streams of its incremental update; markArtifacts runs it over a document
// pdf-lib has parsed (the fallback, and booklet parts).
import { deflateSync, inflateSync } from "node:zlib";
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFStream, decodePDFRawStream, type PDFContext, type PDFDocument } from "pdf-lib";

export interface WrapOptions {
  /**
   * XObject names (without the slash) whose `Do` must stay unwrapped: form
   * XObjects that hold marked content of their own (Skia gives those
   * /StructParents). Wrapping their `Do` would make tagged content an
   * artifact; their own streams are wrapped instead.
   */
  keepDo?: ReadonlySet<string>;
}

export interface Wrapped {
  /** The stream with every unmarked graphics object wrapped; the input itself when there was none. */
  bytes: Uint8Array;
  /** How many objects were wrapped. */
  wrapped: number;
}

const OPEN = Buffer.from("/Artifact BMC\n", "latin1");
const CLOSE = Buffer.from("\nEMC\n", "latin1");

// What each operator that matters does; every other operator is OTHER.
const enum Kind {
  OTHER,
  PATH_START, // m, re
  PATH, // l c v y h, and the clip operators W W*
  PAINT, // f F f* S s B B* b b*
  END_PATH, // n
  BT,
  ET,
  BEGIN_MARKED, // BMC BDC
  END_MARKED, // EMC
  DO,
  SH,
  BI,
  OPERAND, // true false null: keywords that are operands
}

/** Keywords of up to five bytes, keyed by their bytes packed into one number (below 2^40: exact). */
const pack = (op: string) => {
  let key = 0;
  for (let i = op.length - 1; i >= 0; i--) key = key * 256 + op.charCodeAt(i);
  return key;
};
const KINDS = new Map<number, Kind>();
const kinds: [Kind, string[]][] = [
  [Kind.PATH_START, ["m", "re"]],
  [Kind.PATH, ["l", "c", "v", "y", "h", "W", "W*"]],
  [Kind.PAINT, ["f", "F", "f*", "S", "s", "B", "B*", "b", "b*"]],
  [Kind.END_PATH, ["n"]],
  [Kind.BT, ["BT"]],
  [Kind.ET, ["ET"]],
  [Kind.BEGIN_MARKED, ["BMC", "BDC"]],
  [Kind.END_MARKED, ["EMC"]],
  [Kind.DO, ["Do"]],
  [Kind.SH, ["sh"]],
  [Kind.BI, ["BI"]],
  [Kind.OPERAND, ["true", "false", "null"]],
];
for (const [kind, ops] of kinds) for (const op of ops) KINDS.set(pack(op), kind);

// Character classes (ISO 32000-1, 7.2.2): 1 white-space, 2 delimiter, 0 regular.
const CLASS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) CLASS[c] = 1;
for (const c of "()<>[]{}/%") CLASS[c.charCodeAt(0)] = 2;

/** Index just past the literal string that starts at `i` (balanced parentheses, backslash escapes). */
function skipLiteral(s: Uint8Array, i: number): number {
  let depth = 0;
  for (const n = s.length; i < n; i++) {
    const c = s[i]!;
    if (c === 0x5c) i++; // backslash: the next byte is escaped
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return i + 1;
  }
  return i;
}

/** Index just past the regular characters from `i`. */
function skipRegular(s: Uint8Array, i: number): number {
  while (i < s.length && CLASS[s[i]!] === 0) i++;
  return i;
}

/** A name token's text without its slash, with #xx escapes read (ISO 32000-1, 7.3.5). */
function nameText(s: Uint8Array, start: number, end: number): string {
  const raw = Buffer.from(s.buffer, s.byteOffset + start + 1, end - start - 1).toString("latin1");
  return raw.includes("#") ? raw.replace(/#([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : raw;
}

const COMPONENTS: Record<string, number> = { G: 1, DeviceGray: 1, CalGray: 1, I: 1, Indexed: 1, RGB: 3, DeviceRGB: 3, CalRGB: 3, CMYK: 4, DeviceCMYK: 4 };

/** Whether `EI` at `at` ends the image: white space before, white space, a delimiter or the end after. */
function endsImage(s: Uint8Array, at: number): boolean {
  return at > 0 && CLASS[s[at - 1]!] === 1 && s[at] === 0x45 && s[at + 1] === 0x49 && (at + 2 >= s.length || CLASS[s[at + 2]!] !== 0);
}

/** Whether what follows `at` reads as content-stream text rather than more binary image data. */
function textFollows(s: Uint8Array, at: number): boolean {
  for (let i = at, end = Math.min(s.length, at + 32); i < end; i++) {
    const c = s[i]!;
    if (c > 0x7e || (c < 0x20 && CLASS[c] !== 1)) return false;
  }
  return true;
}

/**
 * Index just past the `EI` of the inline image whose `BI` ends at `i`.
 * Its data is binary and may hold the bytes `EI`: when the image's size is
 * known (a /L length, or unfiltered data of a known colour space), the data
 * is skipped by its length; otherwise the first `EI` that stands alone and
 * is followed by text ends it, as readers do. -1 when nothing ends it.
 */
function skipInlineImage(s: Uint8Array, i: number): number {
  const n = s.length;
  const entries = new Map<string, string>();
  let key: string | undefined;
  for (;;) {
    while (i < n && CLASS[s[i]!] === 1) i++;
    if (i >= n) return -1;
    const start = i;
    const c = s[i]!;
    if (c === 0x2f) i = skipRegular(s, i + 1);
    else if (c === 0x28) i = skipLiteral(s, i);
    else if (c === 0x5b) i = s.indexOf(0x5d, i) + 1 || n; // arrays here hold names and numbers only
    else if (c === 0x3c) i = s.indexOf(0x3e, i) + 1 || n;
    else i = Math.max(skipRegular(s, i), i + 1);
    const token = Buffer.from(s.buffer, s.byteOffset + start, i - start).toString("latin1");
    if (token === "ID") break;
    if (key === undefined) key = token.startsWith("/") ? token.slice(1) : "";
    else {
      entries.set(key, token.startsWith("/") ? token.slice(1) : token);
      key = undefined;
    }
  }
  const data = i + 1; // one white-space byte follows ID
  const get = (...keys: string[]) => keys.map((k) => entries.get(k)).find((v) => v !== undefined);
  let length = Number(get("L", "Length") ?? NaN);
  if (Number.isNaN(length) && get("F", "Filter") === undefined) {
    const mask = get("IM", "ImageMask") === "true";
    const components = mask ? 1 : COMPONENTS[(get("CS", "ColorSpace") ?? "").replace(/^\[\s*\/?(\w+).*$/, "$1")];
    const bits = mask ? 1 : Number(get("BPC", "BitsPerComponent"));
    const [w, h] = [Number(get("W", "Width")), Number(get("H", "Height"))];
    if (components && bits > 0 && w > 0 && h > 0) length = h * Math.ceil((w * components * bits) / 8);
  }
  if (length >= 0) {
    let at = data + length;
    while (at < n && CLASS[s[at]!] === 1) at++;
    if (endsImage(s, at)) return at + 2;
  }
  for (let at = s.indexOf(0x45, data); at >= 0; at = s.indexOf(0x45, at + 1)) {
    if (endsImage(s, at) && textFollows(s, at + 2)) return at + 2;
  }
  return -1;
}

/**
 * Wraps each graphics object of a decoded content stream that lies outside
 * every marked-content sequence in `/Artifact BMC ... EMC`. Objects already
 * inside marked content, and a text object that holds marked content of
 * its own, are left as they are. One pass over the bytes; one state
 * machine, so longer than most functions here.
 */
export function wrapArtifacts(s: Uint8Array, options: WrapOptions = {}): Wrapped {
  const n = s.length;
  const cuts: number[] = []; // start, end of each object to wrap
  let depth = 0; // marked-content nesting
  let operands = -1; // where the operands of the coming operator start
  let nameAt = -1; // where the last name operand starts, for Do
  let path = -1; // start of the path being built; -1 none, -2 one that is not to be wrapped
  let inText = false;
  let text = -1; // start of the text object, -1 when it is not to be wrapped
  let i = 0;
  while (i < n) {
    const c = s[i]!;
    const cls = CLASS[c]!;
    if (cls === 1) {
      i++;
      continue;
    }
    const start = i;
    if (cls === 2) {
      if (c === 0x25) {
        // A comment runs to the end of the line; it is no token.
        while (i < n && s[i] !== 0x0a && s[i] !== 0x0d) i++;
        continue;
      }
      if (c === 0x28) i = skipLiteral(s, i);
      else if (c === 0x3c) i = s[i + 1] === 0x3c ? i + 2 : s.indexOf(0x3e, i) + 1 || n;
      else if (c === 0x3e) i += s[i + 1] === 0x3e ? 2 : 1;
      else if (c === 0x2f) {
        i = skipRegular(s, i + 1);
        nameAt = start;
      } else i++;
      if (operands < 0) operands = start;
      continue;
    }
    i = skipRegular(s, i);
    // Numbers are operands; so are true, false and null.
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (operands < 0) operands = start;
      continue;
    }
    const len = i - start;
    let kind = Kind.OTHER;
    if (len <= 5) {
      let key = 0;
      for (let k = i - 1; k >= start; k--) key = key * 256 + s[k]!;
      kind = KINDS.get(key) ?? Kind.OTHER;
    }
    if (kind === Kind.OPERAND) {
      if (operands < 0) operands = start;
      continue;
    }
    const from = operands < 0 ? start : operands;
    operands = -1;
    switch (kind) {
      case Kind.PATH_START:
        if (path === -1 && !inText) path = depth === 0 ? from : -2;
        break;
      case Kind.PATH:
        break;
      case Kind.PAINT:
        if (path >= 0) cuts.push(path, i);
        path = -1;
        break;
      case Kind.END_PATH:
        path = -1;
        break;
      case Kind.BT:
        inText = true;
        text = depth === 0 ? from : -1;
        break;
      case Kind.ET:
        if (inText && text >= 0) cuts.push(text, i);
        inText = false;
        text = -1;
        break;
      case Kind.BEGIN_MARKED:
      case Kind.END_MARKED:
        if (kind === Kind.BEGIN_MARKED) depth++;
        else if (depth > 0) depth--;
        text = -1; // a text object holding marked content is left as it is
        if (path !== -1) path = -2; // not allowed inside a path: leave that path alone
        break;
      case Kind.DO:
      case Kind.SH: {
        const kept = kind === Kind.DO && nameAt >= 0 && options.keepDo?.has(nameText(s, nameAt, skipRegular(s, nameAt + 1)));
        if (depth === 0 && !inText && path === -1 && !kept) cuts.push(from, i);
        break;
      }
      case Kind.BI: {
        const end = skipInlineImage(s, i);
        if (end < 0) i = n; // unterminated: the rest is image data, and nothing more is wrapped
        else {
          i = end;
          if (depth === 0 && !inText && path === -1) cuts.push(from, i);
        }
        break;
      }
      default:
        // Any other operator inside a path is a malformed path: leave it alone.
        if (path !== -1) path = -2;
    }
    nameAt = -1;
  }
  if (cuts.length === 0) return { bytes: s, wrapped: 0 };
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let k = 0; k < cuts.length; k += 2) {
    chunks.push(s.subarray(at, cuts[k]), OPEN, s.subarray(cuts[k]!, cuts[k + 1]), CLOSE);
    at = cuts[k + 1]!;
  }
  chunks.push(s.subarray(at));
  return { bytes: new Uint8Array(Buffer.concat(chunks)), wrapped: cuts.length / 2 };
}

/** A page's content streams as one: they are one stream split anywhere between tokens (ISO 32000-1, 7.8.2), so they join with white space. */
export function joinContent(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts.flatMap((part) => [part, Buffer.from("\n")]));
}

// --- The same on a document parsed by pdf-lib ------------------------------

const N = (name: string) => PDFName.of(name);

/** A stream's decoded bytes, or undefined when pdf-lib cannot decode its filters. */
function decoded(stream: PDFStream): Uint8Array | undefined {
  if (!(stream instanceof PDFRawStream)) return undefined;
  try {
    // Skia's one filter through node's zlib, several times faster than pdf-lib's own inflate; any other through pdf-lib.
    if (stream.dict.get(N("Filter")) === N("FlateDecode") && !stream.dict.has(N("DecodeParms"))) return inflateSync(stream.contents);
    return decodePDFRawStream(stream).decode();
  } catch {
    return undefined;
  }
}

/** The stream again, its bytes compressed with zlib (as Skia writes it), its other entries kept. */
function recompressed(ctx: PDFContext, old: PDFDict | undefined, bytes: Uint8Array): PDFRawStream {
  const dict = old ? (old.clone(ctx) as PDFDict) : ctx.obj({});
  dict.delete(N("DecodeParms"));
  dict.set(N("Filter"), N("FlateDecode"));
  const data = deflateSync(bytes);
  dict.set(N("Length"), PDFNumber.of(data.length));
  return PDFRawStream.of(dict, data);
}

/**
 * Form XObjects in `resources` that hold marked content of their own
 * (/StructParents): their names, whose `Do` stays unwrapped, and, once
 * each, their own streams wrapped instead. Other forms are left alone: a
 * `Do` outside marked content is wrapped where it is called, which makes
 * everything the form draws an artifact.
 */
function taggedForms(ctx: PDFContext, resources: PDFDict | undefined, done: Set<PDFRef>, count: { wrapped: number }): Set<string> {
  const keep = new Set<string>();
  const xobjects = resources?.lookup(N("XObject"));
  if (!(xobjects instanceof PDFDict)) return keep;
  for (const [name, value] of xobjects.entries()) {
    const form = value instanceof PDFRef ? ctx.lookup(value) : value;
    if (!(form instanceof PDFStream) || form.dict.get(N("Subtype")) !== N("Form")) continue;
    if (!form.dict.has(N("StructParents")) && !form.dict.has(N("StructParent"))) continue;
    keep.add(name.decodeText());
    if (!(value instanceof PDFRef) || done.has(value)) continue;
    done.add(value);
    const inner = taggedForms(ctx, form.dict.lookup(N("Resources")) as PDFDict | undefined, done, count);
    const bytes = decoded(form);
    const result = bytes && wrapArtifacts(bytes, { keepDo: inner });
    if (result?.wrapped) {
      ctx.assign(value, recompressed(ctx, form.dict, result.bytes));
      count.wrapped += result.wrapped;
    }
  }
  return keep;
}

/**
 * Wraps the unmarked drawing of every page of a document pdf-lib has
 * parsed, replacing each page's content stream (several are joined into
 * one). Returns how many objects were wrapped. For the pdf-lib fallback of
 * info.ts and for booklet parts, which merge.ts parses anyway.
 */
export function markArtifacts(doc: PDFDocument): number {
  const ctx = doc.context;
  const done = new Set<PDFRef>();
  const count = { wrapped: 0 };
  for (const page of doc.getPages()) {
    const keepDo = taggedForms(ctx, page.node.Resources(), done, count);
    const contents = page.node.get(N("Contents"));
    const refs = contents instanceof PDFArray ? contents.asArray() : [contents];
    const streams = refs.map((ref) => (ref instanceof PDFRef ? ctx.lookup(ref) : ref));
    if (refs.length === 0 || !refs.every((ref) => ref instanceof PDFRef) || !streams.every((s) => s instanceof PDFStream)) continue;
    if (refs.length === 1 && done.has(refs[0] as PDFRef)) continue;
    const parts = (streams as PDFStream[]).map(decoded);
    if (parts.some((part) => part === undefined)) continue;
    const joined = joinContent(parts as Uint8Array[]);
    const result = wrapArtifacts(joined, { keepDo });
    if (!result.wrapped) continue;
    count.wrapped += result.wrapped;
    if (refs.length === 1) {
      done.add(refs[0] as PDFRef);
      ctx.assign(refs[0] as PDFRef, recompressed(ctx, (streams[0] as PDFStream).dict, result.bytes));
    } else page.node.set(N("Contents"), ctx.register(recompressed(ctx, undefined, result.bytes)));
  }
  return count.wrapped;
}
