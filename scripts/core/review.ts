// Review sheets and sign-off: a translated lesson set beside its source,
// row by row, for a fluent reader to check on paper, and the front matter
// edit that records their sign-off. Pure: text in, rows or text out.
//
// The rows come from the same segments `kit export` uses (segments.ts), so
// a reviewer's margin ids ("b12.p2") are the ids a translator sees in the
// XLIFF or PO file. When the two bodies do not line up segment by segment
// (an adaptation, or a paragraph added or dropped), the top-level blocks
// are paired instead with an LCS over their kinds (the `diff` package's
// diffArrays), and what has no counterpart is shown on one side only.
import { diffArrays } from "diff";
import MarkdownIt from "markdown-it";
import { isMap, isScalar } from "yaml";
import { escapeHtml } from "./contacts.ts";
import { markdown } from "./markdown.ts";
import { bodySegments, lessonParts, lessonSegments, patchScalars, yamlDocument, type ScalarEdit } from "./segments.ts";

/** The top-level block a row belongs to: "message" (with its id), "helplines", "say", a heading... */
export interface RowBlock {
  /** Top-level id, "b5"; "front" for front matter. */
  id: string;
  /** `::: name` for blocks, else the Markdown kind (heading, paragraph, bullet_list). */
  name: string;
  /** The words after `::: name` (a message id, help lines, a card title). */
  args: string[];
}

export interface ReviewRow {
  /** Segment id, as in `kit export` ("b12.p2", "title", "goals.2"); "b5" for a block without text. */
  id: string;
  /** The translation's id when it differs from the source's (block-by-block pairing). */
  targetId?: string;
  block: RowBlock;
  /** Paragraphs of the source and of the translation (Markdown inline text). */
  source: string[];
  target: string[];
  /** A block with no text of its own (`::: helplines`): shown once, across both columns. */
  textless?: boolean;
  /** Text that is not a translation segment (a quote, a table), shown as written. */
  verbatim?: boolean;
}

export interface ReviewAlignment {
  /** Every segment lines up with the source's (the shapes are equal, as `kit export` tests). */
  lined: boolean;
  rows: ReviewRow[];
}

interface TopNode {
  id: string;
  sig: string;
  raw: string;
  block: RowBlock;
}

const TOP_OPENERS = new Set(["bullet_list_open", "ordered_list_open", "blockquote_open", "table_open", "heading_open", "paragraph_open"]);

/** Top-level nodes of a body, numbered as bodySegments numbers them (b1, b2, ...), with their block's words and raw text. */
function topNodes(body: string, shape: readonly string[]): TopNode[] {
  const found: { info: string; map?: [number, number] | null }[] = [];
  for (const token of markdown().parse(body, {})) {
    if (token.level !== 0) continue;
    const container = /^container_\w+_open$/.test(token.type);
    // The tokens bodySegments numbers at the top level, and only those.
    if (container || TOP_OPENERS.has(token.type) || (token.nesting === 0 && token.block && token.type !== "inline")) found.push({ info: container ? token.info.trim() : "", map: token.map });
  }
  const lines = body.split("\n");
  return shape
    .filter((s) => /^b\d+:/.test(s))
    .map((s, i) => {
      const [id = "", sig = ""] = s.split(/:(.*)/);
      const isBlock = sig.startsWith("block:");
      const [name = "", ...args] = isBlock ? (found[i]?.info || sig.slice(6)).split(/\s+/) : [sig];
      const map = found[i]?.map;
      // Text segments do not cover (a quote, a table), as written, without `:::` lines and quote marks.
      const raw = map ? lines.slice(map[0], map[1]).filter((l) => !/^\s*:::/.test(l)).map((l) => l.replace(/^\s*>\s?/, "")).join("\n").trim() : "";
      return { id, sig, raw, block: { id, name, args } };
    });
}

const topOf = (path: string) => path.split(".")[0]!;
const rest = (path: string) => path.slice(topOf(path).length);

/** Front matter fields, paired by path ("title", "goals.2"); a field one side lacks is a one-sided row. */
function frontRows(src: { path: string; text: string }[], tgt: { path: string; text: string }[]): ReviewRow[] {
  const block: RowBlock = { id: "front", name: "front", args: [] };
  const theirs = new Map(tgt.map((s) => [s.path, s.text]));
  const rows = src.map((s) => ({ id: s.path, block, source: [s.text], target: theirs.has(s.path) ? [theirs.get(s.path)!] : [] }));
  const mine = new Set(src.map((s) => s.path));
  for (const t of tgt.filter((x) => !mine.has(x.path))) rows.push({ id: t.path, block, source: [], target: [t.text] });
  return rows;
}

/** Rows of one top-level node pair (either side may be missing). */
function nodeRows(s: TopNode | undefined, t: TopNode | undefined, srcSegs: Map<string, { path: string; text: string }[]>, tgtSegs: Map<string, { path: string; text: string }[]>): ReviewRow[] {
  const a = s ? (srcSegs.get(s.id) ?? []) : [];
  const b = t ? (tgtSegs.get(t.id) ?? []) : [];
  const block = (s ?? t)!.block;
  const id = (s ?? t)!.id;
  const targetId = s && t && s.id !== t.id ? t.id : undefined;
  if (!a.length && !b.length) {
    // A quote or table (not a segment: kit export leaves it out) is shown as written; a block with no text at all once.
    const raw = { source: s?.raw ? [s.raw] : [], target: t?.raw ? [t.raw] : [] };
    return [{ id, ...(targetId ? { targetId } : {}), block, ...raw, textless: !raw.source.length && !raw.target.length && Boolean(s && t), ...(s?.raw || t?.raw ? { verbatim: true } : {}) }];
  }
  // The same inner structure: segment by segment, as when the whole lesson lines up.
  if (s && t && a.length === b.length && a.every((x, i) => rest(x.path) === rest(b[i]!.path))) {
    return a.map((x, i) => ({ id: x.path, ...(x.path !== b[i]!.path ? { targetId: b[i]!.path } : {}), block, source: [x.text], target: [b[i]!.text] }));
  }
  return [{ id, ...(targetId ? { targetId } : {}), block, source: a.map((x) => x.text), target: b.map((x) => x.text) }];
}

function group<T extends { path: string }>(segments: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const seg of segments) out.set(topOf(seg.path), [...(out.get(topOf(seg.path)) ?? []), seg]);
  return out;
}

/** A translated lesson beside its source, as review rows. */
export function alignLesson(sourceText: string, targetText: string): ReviewAlignment {
  const src = lessonSegments(sourceText);
  const tgt = lessonSegments(targetText);
  const lined = src.shape.join("\n") === tgt.shape.join("\n");
  const isFront = (s: { path: string }) => !/^b\d+/.test(s.path);
  const rows = frontRows(src.segments.filter(isFront), tgt.segments.filter(isFront));
  const srcBody = lessonParts(sourceText).body;
  const tgtBody = lessonParts(targetText).body;
  const srcNodes = topNodes(srcBody, bodySegments(srcBody).shape);
  const tgtNodes = topNodes(tgtBody, bodySegments(tgtBody).shape);
  const srcSegs = group(src.segments.filter((s) => !isFront(s)));
  const tgtSegs = group(tgt.segments.filter((s) => !isFront(s)));
  let i = 0;
  let j = 0;
  // A block's kind and, for a message, its id: a paired block must be the same block.
  for (const change of diffArrays(srcNodes.map((n) => n.sig), tgtNodes.map((n) => n.sig))) {
    for (let k = 0; k < change.count; k++) {
      if (change.removed) rows.push(...nodeRows(srcNodes[i++], undefined, srcSegs, tgtSegs));
      else if (change.added) rows.push(...nodeRows(undefined, tgtNodes[j++], srcSegs, tgtSegs));
      else rows.push(...nodeRows(srcNodes[i++], tgtNodes[j++], srcSegs, tgtSegs));
    }
  }
  return { lined, rows };
}

// ---- Inline text as HTML -------------------------------------------------

/** Inline Markdown only (bold, links as text): no raw HTML, as in lessons. */
const inline = new MarkdownIt({ html: false, linkify: false });

/**
 * A segment's text as HTML, each `[[reference]]` marked (class `ref`) and
 * followed by what it prints in this locale, so the reviewer checks the
 * reference and the service it names together.
 */
export function segmentHtml(text: string, prints: (name: string) => string | undefined): string {
  return inline.renderInline(text).replace(/\[\[([a-z0-9:-]+)\]\]/g, (_all, name: string) => {
    const what = prints(name);
    const shown = what ? `<span class="ref-prints"> (${escapeHtml(what)})</span>` : `<span class="ref-prints"> (not filled in)</span>`;
    return `<mark class="ref">[[${escapeHtml(name)}]]${shown}</mark>`;
  });
}

// ---- Sign-off -------------------------------------------------------------

export interface Review {
  reviewer: string;
  /** ISO date, YYYY-MM-DD. */
  date: string;
  /** The source hash the reviewer checked against. */
  hash: string;
}

/**
 * The lesson with its translation record marked reviewed (status,
 * reviewer, reviewedOn, reviewedHash). Values already there are replaced
 * in place and missing keys added under the record, in its indentation;
 * every other byte of the file is kept. Throws a message when the lesson
 * has no translation record or the result would not read back.
 */
export function signLesson(text: string, review: Review): string {
  const parts = lessonParts(text);
  const doc = yamlDocument(parts.front);
  const record = doc.getIn(["translation"], true);
  if (!isMap(record) || !record.range) throw new Error("has no translation: record (it is a source lesson, not a translation)");
  const values: Record<string, string> = { status: "reviewed", reviewer: review.reviewer, reviewedOn: review.date, reviewedHash: review.hash };
  let front: string;
  if (record.flow) {
    // A one-line `{ ... }` record: yaml's Document keeps its comments and style when set.
    for (const [key, value] of Object.entries(values)) doc.setIn(["translation", key], value);
    front = doc.toString();
  } else {
    const edits: ScalarEdit[] = [];
    const added: string[] = [];
    const firstKey = record.items[0]?.key;
    const indent = isScalar(firstKey) && firstKey.range ? firstKey.range[0] - parts.front.lastIndexOf("\n", firstKey.range[0] - 1) - 1 : 2;
    for (const [key, value] of Object.entries(values)) {
      if (isScalar(doc.getIn(["translation", key], true))) edits.push({ path: ["translation", key], value });
      else added.push(`${" ".repeat(indent)}${key}: ${JSON.stringify(value)}\n`);
    }
    front = edits.length ? patchScalars(parts.front, edits) : parts.front;
    if (added.length) {
      const last = yamlDocument(front).getIn(["translation"], true);
      const end = isMap(last) ? (last.items.at(-1)?.value as { range?: number[] } | null)?.range?.[1] : undefined;
      if (end === undefined) throw new Error("its translation: record has no last value to add the review after");
      const nl = front.indexOf("\n", Math.max(0, end - 1));
      const at = nl < 0 ? front.length : nl + 1;
      front = front.slice(0, at) + (nl < 0 ? "\n" : "") + added.join("") + front.slice(at);
    }
  }
  const want = doc.toJS() as { translation: Record<string, unknown> };
  Object.assign(want.translation, values);
  const again = yamlDocument(front);
  if (again.errors.length || JSON.stringify(again.toJS()) !== JSON.stringify(want)) throw new Error("the review could not be written into its translation: record so that it reads back (edit it by hand)");
  return text.slice(0, parts.frontAt) + front + text.slice(parts.frontAt + parts.front.length);
}
