// Translation segments: a lesson body, its front matter, a strings file or a
// region file cut into the pieces of text a translator translates, each
// with a structural id ("b12.p2": paragraph 2 of top-level block 12), and
// written back in place. Pure: text in, text out.
//
// Written by hand on top of markdown-it's token line maps and yaml's node
// ranges, because no library patches one paragraph of a Markdown file or
// one scalar of a YAML file while keeping every other byte: re-serialising
// either would rewrap or requote the whole file.
import type Token from "markdown-it/lib/token.mjs";
import { isMap, isScalar, isSeq, parseDocument, type Document, type Scalar } from "yaml";
import { markdown } from "./markdown.ts";

/** `[[name]]` references and `{placeholders}`: the translator must keep each exactly. */
const PROTECTED = /\[\[[^\]\s]+\]\]|\{\w+\}/g;

export function protectedTokens(text: string): string[] {
  return text.match(PROTECTED) ?? [];
}

/** Text as plain runs and protected tokens, in order (XLIFF inline `<ph>` elements). */
export function splitProtected(text: string): (string | { token: string })[] {
  const parts: (string | { token: string })[] = [];
  let last = 0;
  for (const m of text.matchAll(PROTECTED)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ token: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** What a translation loses or adds against its source, or undefined when it keeps every token. */
export function protectedProblem(source: string, target: string): string | undefined {
  const count = (list: string[]) => list.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<string, number>());
  const want = count(protectedTokens(source));
  const have = count(protectedTokens(target));
  const what = (t: string) => (t.startsWith("[[") ? `the reference ${t}` : `the placeholder ${t}`);
  for (const [token, n] of want) if ((have.get(token) ?? 0) < n) return `drops ${what(token)}: keep it exactly as in the source`;
  for (const [token, n] of have) if ((want.get(token) ?? 0) < n) return `adds ${what(token)}, which the source does not have`;
  return undefined;
}

/** What in a body segment's translation would break the lesson's blocks, or undefined. */
export function structureProblem(target: string): string | undefined {
  if (target.includes(":::")) return 'would break a block: ":::" opens and closes blocks and cannot be part of a translation';
  if (/\n[ \t]*\n/.test(target)) return "would split the text in two (a blank line): the lesson's blocks would no longer line up with the source's";
  return undefined;
}

/** Whitespace runs (a tool's line breaks included) read as one space, as Markdown reads them. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export type BodyKind = "heading" | "paragraph" | "title";

export interface BodySegment {
  /** Structural id within the lesson: b<n> top-level blocks, then h/p/l/i children. */
  path: string;
  kind: BodyKind;
  text: string;
  /** Where it sits, for the translator ("paragraph in ::: say"). */
  context: string;
  /** 0-based body lines [start, end) it occupies. */
  start: number;
  end: number;
  /** What precedes the text on its first line (`## `, `- `, `::: card `), kept on write. */
  prefix: string;
  /** Leading whitespace of its other lines. */
  indent: string;
}

interface Frame {
  path: string;
  context: string;
  counters: Map<string, number>;
  /** First body line of a list item: its first paragraph carries the marker. */
  itemLine?: number;
  /** Inside something segments do not cover (a quote, a table): left alone. */
  skip?: boolean;
}

function child(frame: Frame, letter: string): string {
  // Top-level nodes are numbered in one sequence, so a lesson's outline reads b1, b2, ...
  const key = frame.path === "" ? "b" : letter;
  const n = (frame.counters.get(key) ?? 0) + 1;
  frame.counters.set(key, n);
  return frame.path === "" ? `b${n}` : `${frame.path}.${key}${n}`;
}

const OPENERS: Record<string, string> = { bullet_list_open: "l", ordered_list_open: "l", list_item_open: "i", blockquote_open: "q", table_open: "t" };

/** The body's segments and its shape: two bodies line up when their shapes are equal. */
export function bodySegments(body: string): { segments: BodySegment[]; shape: string[] } {
  const lines = body.split("\n");
  const tokens = markdown().parse(body, {});
  const stack: Frame[] = [{ path: "", context: "", counters: new Map() }];
  const segments: BodySegment[] = [];
  const shape: string[] = [];
  for (const token of tokens) {
    const top = stack[stack.length - 1]!;
    if (token.nesting === -1) {
      if (token.type !== "heading_close" && token.type !== "paragraph_close") stack.pop();
      continue;
    }
    const block = /^container_(\w+)_open$/.exec(token.type);
    if (block) {
      const path = child(top, "b");
      const [name = "", ...args] = token.info.trim().split(/\s+/);
      shape.push(`${path}:block:${name}${name === "message" ? ` ${args[0]}` : ""}`);
      // The message id tells the translator which of the kit's messages this words.
      const frame: Frame = { path, context: ` in ::: ${name}${name === "message" ? ` ${args[0]}` : ""}`, counters: new Map() };
      stack.push(frame);
      if (name === "card" && token.map) segments.push(cardTitle(lines, token.map[0], path));
      continue;
    }
    if (OPENERS[token.type]) {
      const path = child(top, OPENERS[token.type]!);
      shape.push(`${path}:${token.type.replace(/_open$/, "")}`);
      stack.push({ ...top, path, counters: new Map(), itemLine: token.type === "list_item_open" ? token.map?.[0] : undefined, skip: top.skip || token.type === "blockquote_open" || token.type === "table_open" });
      continue;
    }
    if (token.type === "heading_open" || token.type === "paragraph_open") {
      const path = child(top, token.type === "heading_open" ? "h" : "p");
      const kind = token.type === "heading_open" ? "heading" : "paragraph";
      shape.push(`${path}:${kind}`);
      const seg = !top.skip && token.map ? leaf(lines, token, path, kind, top) : undefined;
      if (seg) segments.push(seg);
      continue;
    }
    if (token.nesting === 0 && token.block && token.type !== "inline") shape.push(`${child(top, "x")}:${token.type}`);
  }
  return { segments, shape };
}

function cardTitle(lines: string[], line: number, path: string): BodySegment {
  const m = /^(\s*:::\s*card\s+)(.*?)\s*$/.exec(lines[line]!)!;
  return { path: `${path}.title`, kind: "title", text: m[2]!, context: "title of a ::: card", start: line, end: line + 1, prefix: m[1]!, indent: "" };
}

function leaf(lines: string[], token: Token, path: string, kind: "heading" | "paragraph", frame: Frame): BodySegment | undefined {
  const [start, end] = token.map!;
  if (kind === "heading") {
    const m = /^(\s*#{1,6}\s+)(.*?)\s*$/.exec(lines[start]!);
    // A setext heading (text underlined with === or ---) is left alone.
    if (!m || end - start !== 1) return undefined;
    return { path, kind, text: m[2]!, context: `heading${frame.context}`, start, end, prefix: m[1]!, indent: "" };
  }
  const marker = frame.itemLine === start ? /^(\s*(?:[-*+]|\d+[.)])\s+)/ : /^(\s*)/;
  const prefix = marker.exec(lines[start]!)?.[1] ?? "";
  const rest = lines.slice(start + 1, end);
  const indent = rest.length ? /^\s*/.exec(rest[0]!)![0] : " ".repeat(prefix.length);
  const text = normalise([lines[start]!.slice(prefix.length), ...rest].join(" "));
  const where = frame.itemLine !== undefined || /\.i\d+(\.|$)/.test(path) ? "list item" : "paragraph";
  return { path, kind, text, context: `${where}${frame.context}`, start, end, prefix, indent };
}

/** A word that would turn a wrapped line into something else (a list item, a heading, a block). */
const RISKY_START = /^(?:[-*+]|\d+[.)]|#{1,6}|>|:::.*|=+|\||`{3,}.*|~{3,}.*)$/;

/** Greedy wrap at `width` columns; never starts a line with a word Markdown would read as structure. */
export function wrap(text: string, prefix: string, indent: string, width = 76): string[] {
  const out: string[] = [];
  let line = prefix;
  let empty = true;
  for (const word of text.split(" ").filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width && !RISKY_START.test(word)) {
      out.push(line);
      line = indent + word;
    } else {
      line += (empty ? "" : " ") + word;
    }
    empty = false;
  }
  out.push(line);
  return out;
}

/**
 * The body with the given segments' texts replaced, every other line as it
 * was. Throws a message when a text does not fit back (the caller names the
 * file and segment).
 */
export function patchBody(body: string, texts: ReadonlyMap<string, string>): string {
  const { segments, shape } = bodySegments(body);
  const lines = body.split("\n");
  const byPath = new Map(segments.map((s) => [s.path, s]));
  const order = [...texts.keys()].map((p) => {
    const seg = byPath.get(p);
    if (!seg) throw new Error(`no segment ${p} in this lesson`);
    return seg;
  });
  for (const seg of order.sort((a, b) => b.start - a.start)) {
    const text = texts.get(seg.path)!;
    const replacement = seg.kind === "paragraph" ? wrap(text, seg.prefix, seg.indent) : [seg.prefix + text];
    lines.splice(seg.start, seg.end - seg.start, ...replacement);
  }
  const patched = lines.join("\n");
  const again = bodySegments(patched);
  if (again.shape.join("\n") !== shape.join("\n")) throw new Error("would change the lesson's structure (a heading, list, paragraph or block would be added or lost)");
  const now = new Map(again.segments.map((s) => [s.path, s.text]));
  for (const [p, text] of texts) if (now.get(p) !== text) throw new Error(`does not read back as written (Markdown would read it as "${now.get(p) ?? "nothing"}")`);
  return patched;
}

// ---- YAML and JSON scalars, in place ------------------------------------

export type YamlPath = (string | number)[];

export function yamlDocument(text: string): Document {
  return parseDocument(text, { keepSourceTokens: false });
}

/** A YAML scalar at a path, with where it is in the text. */
export function scalarAt(doc: Document, path: YamlPath): Scalar | undefined {
  const node = doc.getIn(path, true);
  return isScalar(node) && node.range ? node : undefined;
}

function column(text: string, offset: number): number {
  return offset - text.lastIndexOf("\n", offset - 1) - 1;
}

/** A scalar as it will be written: a block scalar as folded (segment text has no line breaks), plain stays plain when safe, else double quotes. */
function renderScalar(text: string, node: Scalar, source: string, json: boolean): string {
  if (json) return JSON.stringify(text);
  if (node.type === "BLOCK_FOLDED" || node.type === "BLOCK_LITERAL") {
    const body = source.slice(node.range![0], node.range![1]);
    const indent = /\n([ \t]+)\S/.exec(body)?.[1] ?? "  ";
    return `>-\n${wrap(normalise(text), indent, indent).join("\n")}\n`;
  }
  // Plain only when YAML reads it back as this same string (not a number, a date or a key).
  const plain = node.type === "PLAIN" && /^[\p{L}\p{N}(][^\n:#"'{}[\],&*!|>%@`]*$/u.test(text) && !/\s$/.test(text);
  if (plain && yamlDocument(text).toJS() === text) return text;
  return JSON.stringify(text);
}

export interface ScalarEdit {
  path: YamlPath;
  value: string;
}

/** Replaces scalars at paths, keeping every other byte; throws when one is not there or does not read back. */
export function patchScalars(text: string, edits: readonly ScalarEdit[], json = false): string {
  const doc = yamlDocument(text);
  const spans = edits.map((edit) => {
    const node = scalarAt(doc, edit.path);
    if (!node) throw new Error(`no text at ${edit.path.join(".")}`);
    return { start: node.range![0], end: node.range![1], with: renderScalar(edit.value, node, text, json) };
  });
  return checked(splice(text, spans), edits, json);
}

function splice(text: string, spans: { start: number; end: number; with: string }[]): string {
  let out = text;
  for (const s of [...spans].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.with + out.slice(s.end);
  return out;
}

function checked(text: string, edits: readonly ScalarEdit[], json: boolean, lang?: string): string {
  const doc = yamlDocument(text);
  if (doc.errors.length) throw new Error(`would not be valid ${json ? "JSON" : "YAML"}: ${doc.errors[0]!.message.split("\n")[0]}`);
  if (json) JSON.parse(text);
  for (const e of edits) {
    const value = doc.getIn(lang ? [...e.path, lang] : e.path);
    if (value !== e.value) throw new Error(`does not read back as written at ${e.path.join(".")}`);
  }
  return text;
}

/**
 * Sets one language of a region text: the scalar of that language when the
 * text has one, else a new key beside the others; a text shared by every
 * language becomes one per language, the shared one kept for `sourceLang`.
 */
export function setLocalized(text: string, path: YamlPath, lang: string, sourceLang: string, value: string): string {
  const doc = yamlDocument(text);
  const node = doc.getIn(path, true);
  const q = JSON.stringify;
  let span: { start: number; end: number; with: string };
  if (isMap(node) && node.range) {
    const own = scalarAt(doc, [...path, lang]);
    if (own) return patchScalars(text, [{ path: [...path, lang], value }]);
    const last = node.items[node.items.length - 1];
    const end = isScalar(last?.value) && last.value.range ? last.value.range[1] : undefined;
    const firstKey = node.items[0]?.key;
    if (end === undefined || !isScalar(firstKey) || !firstKey.range) throw new Error(`cannot add ${lang} at ${path.join(".")}`);
    const at = end;
    const addition = node.flow ? `, ${lang}: ${q(value)}` : text[at - 1] === "\n" ? `${" ".repeat(column(text, firstKey.range[0]))}${lang}: ${q(value)}\n` : `\n${" ".repeat(column(text, firstKey.range[0]))}${lang}: ${q(value)}`;
    span = { start: at, end: at, with: addition };
  } else if (isScalar(node) && node.range) {
    const tail = text[node.range[1] - 1] === "\n" ? "\n" : "";
    span = { start: node.range[0], end: node.range[1], with: `{ ${sourceLang}: ${q(String(node.value))}, ${lang}: ${q(value)} }${tail}` };
  } else throw new Error(`no text at ${path.join(".")}`);
  return checked(splice(text, [span]), [{ path, value }], false, lang);
}

/** Adds `"key": value` at the end of a flat JSON object, in the file's own indentation. */
export function addJsonKey(text: string, key: string, value: string | string[]): string {
  const close = text.lastIndexOf("}");
  const before = text.slice(0, close).replace(/\s*$/, "");
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? "  ";
  const out = `${before},\n${indent}${JSON.stringify(key)}: ${JSON.stringify(value)}\n${text.slice(close)}`;
  JSON.parse(out);
  return out;
}

// ---- A whole lesson: front matter and body -------------------------------

export interface LessonSegment {
  /** "title", "goals.2", "family.starters.1", or a body path ("b12.p2"). */
  path: string;
  text: string;
  context: string;
}

/** The translatable fields of front matter: plain text only (references cannot appear there). */
const FRONT_TEXT: YamlPath[] = [["title"], ["summary"], ["family", "covered"]];
const FRONT_LISTS: YamlPath[] = [["goals"], ["materials"], ["family", "starters"]];

interface LessonParts {
  front: string;
  /** Offset of the front matter text and of the body in the file. */
  frontAt: number;
  bodyAt: number;
  body: string;
}

/** Splits a lesson file as the loader does (`---` lines), by offsets. */
export function lessonParts(text: string): LessonParts {
  if (!text.startsWith("---\n")) throw new Error("a lesson starts with a `---` line and front matter");
  const close = text.indexOf("\n---\n", 3);
  const end = close < 0 && text.endsWith("\n---") ? text.length - 4 : close;
  if (end < 0) throw new Error("front matter is not closed by a `---` line");
  const bodyAt = Math.min(text.length, end + 5);
  return { front: text.slice(4, end + 1), frontAt: 4, bodyAt, body: text.slice(bodyAt) };
}

function frontPaths(doc: Document): { path: string; yaml: YamlPath }[] {
  const out: { path: string; yaml: YamlPath }[] = [];
  for (const p of FRONT_TEXT) if (scalarAt(doc, p)) out.push({ path: p.join("."), yaml: p });
  for (const p of FRONT_LISTS) {
    for (let i = 0; i < listLength(doc, p); i++) if (scalarAt(doc, [...p, i])) out.push({ path: `${p.join(".")}.${i + 1}`, yaml: [...p, i] });
  }
  return out;
}

/** A lesson's segments and shape (front matter fields, then the body's). */
export function lessonSegments(text: string): { segments: LessonSegment[]; shape: string[] } {
  const parts = lessonParts(text);
  const doc = yamlDocument(parts.front);
  const front = frontPaths(doc).map(({ path, yaml }) => ({ path, text: normalise(String(scalarAt(doc, yaml)!.value)), context: `front matter: ${yaml.filter((k) => typeof k === "string").join(".")}` }));
  const body = bodySegments(parts.body);
  return { segments: [...front, ...body.segments.map(({ path, text, context }) => ({ path, text, context }))], shape: [...front.map((f) => `front:${f.path}`), ...body.shape] };
}

export interface TranslationRecord {
  source: string;
  sourceHash: string;
}

/**
 * The lesson with segments replaced and its translation record set to the
 * given source hash and `status: draft`; every other byte kept.
 */
export function patchLesson(text: string, texts: ReadonlyMap<string, string>, record: TranslationRecord): string {
  const parts = lessonParts(text);
  const doc = yamlDocument(parts.front);
  const paths = new Map(frontPaths(doc).map((f) => [f.path, f.yaml]));
  const edits: ScalarEdit[] = [];
  const body = new Map<string, string>();
  for (const [path, value] of texts) {
    const yaml = paths.get(path);
    if (yaml) edits.push({ path: yaml, value });
    else body.set(path, value);
  }
  let front = edits.length ? patchScalars(parts.front, edits) : parts.front;
  front = setRecord(front, record);
  const newBody = body.size ? patchBody(parts.body, body) : parts.body;
  return text.slice(0, parts.frontAt) + front + text.slice(parts.frontAt + parts.front.length, parts.bodyAt) + newBody;
}

function setRecord(front: string, record: TranslationRecord): string {
  const doc = yamlDocument(front);
  if (!isMap(doc.getIn(["translation"], true))) {
    return `${front}translation:\n  source: ${record.source}\n  sourceHash: "${record.sourceHash}"\n  status: draft\n`;
  }
  const edits: ScalarEdit[] = [{ path: ["translation", "sourceHash"], value: record.sourceHash }];
  if (doc.getIn(["translation", "status"]) !== "draft") edits.push({ path: ["translation", "status"], value: "draft" });
  return patchScalars(front, edits);
}

// ---- Lists in YAML -------------------------------------------------------

/** How many items the sequence at a path has (0 when it is not a sequence). */
export function listLength(doc: Document, path: YamlPath): number {
  const node = doc.getIn(path, true);
  return isSeq(node) ? node.items.length : 0;
}
