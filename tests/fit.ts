// Measures printed handouts as a teacher would look at them: reads a real
// PDF with pdf.js and reports, per page, where its text lies against the
// page's content box (the paper's @page margins), what the last text above
// the running footer is, and how full the page is. Used by fit.test.ts, and
// runnable on any build: `npx tsx tests/fit.ts <output folder>`.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { HANDOUTS, BOOKLET, type Variant } from "../scripts/core/handouts.ts";
import { PAPERS, type Paper } from "../scripts/core/schema.ts";

const PROJECT = path.resolve(import.meta.dirname, "..");

/** Page margins in pt, from the paper's stylesheet (the only place they are set). */
export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

const UNIT_PT: Record<string, number> = { mm: 72 / 25.4, cm: 72 / 2.54, in: 72, pt: 1, px: 0.75 };

/** The `margin` of the paper's `@page` rule, in pt (CSS shorthand: 1 to 4 lengths). */
export async function paperMargins(paper: Paper): Promise<Margins> {
  const css = await readFile(path.join(PROJECT, `templates/assets/paper-${paper}.css`), "utf8");
  const rule = /@page\s*\{[^}]*?margin:\s*([^;}]+)/.exec(css.replace(/\/\*[\s\S]*?\*\//g, ""));
  if (!rule) throw new Error(`paper-${paper}.css has no @page margin`);
  const lengths = rule[1]!.trim().split(/\s+/).map((v) => {
    const m = /^([\d.]+)(mm|cm|in|pt|px)?$/.exec(v);
    if (!m) throw new Error(`paper-${paper}.css: cannot read margin "${v}"`);
    return Number(m[1]) * (m[2] ? UNIT_PT[m[2]]! : 0);
  });
  const [top, right = top, bottom = top, left = right] = lengths as [number, number?, number?, number?];
  return { top, right, bottom, left };
}

/** A handout PDF of the build, with what it is: found from the file name and the registry. */
export interface Handout {
  file: string;
  locale: string;
  paper: Paper;
  variant: Variant | typeof BOOKLET;
}

/** Every PDF of a built kit, classified by the handout registry's kinds. */
export async function builtHandouts(outDir: string): Promise<Handout[]> {
  const root = path.join(outDir, "pdf");
  const found: Handout[] = [];
  for (const locale of (await readdir(root)).sort()) {
    for (const name of (await readdir(path.join(root, locale))).sort()) {
      const m = /^(.*)-([a-z0-9]+)\.pdf$/.exec(name);
      if (!m || !(PAPERS as readonly string[]).includes(m[2]!)) continue;
      const stem = m[1]!;
      const variant =
        stem === BOOKLET
          ? BOOKLET
          : (Object.keys(HANDOUTS) as Variant[]).find((v) => {
              const kind: { scope: string; stem?: string } = HANDOUTS[v];
              return kind.scope === "locale" ? stem === kind.stem : stem.endsWith(`-${v}`);
            });
      if (!variant) throw new Error(`${locale}/${name}: no handout kind in the registry makes this file`);
      found.push({ file: path.join(root, locale, name), locale, paper: m[2] as Paper, variant });
    }
  }
  return found;
}

interface Item {
  str: string;
  x: number;
  y: number;
  width: number;
  size: number;
  fontName: string;
  /** The structure element (tagged PDF) the text belongs to. */
  element: number;
  role: string;
}

export interface PageFacts {
  n: number;
  width: number;
  height: number;
  /** Text items outside the content box (and not in the footer's margin box). */
  outside: string[];
  /** The last line of text above the footer, and why it must not end a page, if it must not. */
  lastLine: string;
  /** Structure role (tagged PDF) of the last line's element. */
  lastRole: string;
  stranded?: "heading" | "label" | "colon";
  /** How much of the content box's height, from its top to the lowest text, holds content: 0 to 1. */
  filled: number;
  /** Smallest text size on the page, in pt (the footer excluded), and the size most of its text is set in. */
  minSize: number;
  bodySize: number;
}

/** Maps each marked-content id to its structure element's number and role. */
function structIndex(tree: unknown): Map<string, { element: number; role: string }> {
  const index = new Map<string, { element: number; role: string }>();
  let next = 0;
  type Node = { role?: string; type?: string; id?: string; children?: Node[] };
  const walk = (node: Node, owner: { element: number; role: string }) => {
    if (node.type === "content" && node.id) index.set(node.id, owner);
    // NonStruct wrappers (Chromium's, for layout boxes) are not elements a reader sees.
    const mine = node.role && node.role !== "NonStruct" && node.role !== "Document" ? { element: next++, role: node.role } : owner;
    for (const child of node.children ?? []) walk(child, mine);
  };
  walk((tree ?? {}) as Node, { element: -1, role: "" });
  return index;
}

async function pageItems(page: Page): Promise<Item[]> {
  const [content, tree] = await Promise.all([page.getTextContent({ includeMarkedContent: true }), page.getStructTree()]);
  const index = structIndex(tree);
  const items: Item[] = [];
  const open: string[] = [];
  for (const raw of content.items) {
    if ("type" in raw) {
      if (raw.type === "beginMarkedContentProps" || raw.type === "beginMarkedContent") open.push((raw as { id?: string }).id ?? "");
      else if (raw.type === "endMarkedContent") open.pop();
      continue;
    }
    if (!raw.str.trim()) continue;
    const owner = [...open].reverse().map((id) => index.get(id)).find(Boolean) ?? { element: -1, role: "" };
    const [a, b, , , e, f] = raw.transform as number[];
    // A trailing space is drawn nowhere: its advance is not ink past the margin.
    const inked = raw.str.trimEnd();
    items.push({ str: raw.str, x: e!, y: f!, width: (raw.width * inked.length) / raw.str.length, size: Math.hypot(a!, b!), fontName: raw.fontName, ...owner });
  }
  return items;
}

const round = (n: number) => Math.round(n * 10) / 10;

type Page = Awaited<ReturnType<Awaited<ReturnType<typeof getDocument>["promise"]>["getPage"]>>;

/** Whether pdf.js drew the item in a bold face: font names are known once the page's operators are loaded (slow, so only on demand). */
async function boldness(page: Page): Promise<(item: Item) => boolean> {
  await page.getOperatorList();
  return (item) => {
    try {
      return /bold/i.test((page.commonObjs.get(item.fontName) as { name?: string }).name ?? "");
    } catch {
      return false;
    }
  };
}

/** Why the last line of a page must not end it: a heading, a label, or a line that announces what follows. */
async function strandedBy(page: Page, line: Item[], elementItems: Item[]): Promise<PageFacts["stranded"]> {
  const last = line[line.length - 1]!;
  const text = line.map((i) => i.str).join("").trim();
  if (/^H\d?$/.test(last.role)) return "heading";
  if (text.endsWith(":")) return "colon";
  const lines = new Set(elementItems.map((i) => Math.round(i.y)));
  // A one-line paragraph in bold is a label (block labels are); one that
  // starts with a bold lead ("Time: 5 minutes.") introduces what follows.
  if (last.role === "P" && lines.size === 1) {
    const bold = await boldness(page);
    if (elementItems.every(bold)) return "label";
    const lead = elementItems[0]!;
    if (bold(lead) && lead.str.trim().endsWith(":") && text.length < 40) return "label";
  }
  return undefined;
}

/** Every page of a PDF, measured against the paper's content box. */
export async function measure(file: string, margins: Margins): Promise<PageFacts[]> {
  const data = new Uint8Array(await readFile(file));
  const doc = await getDocument({ data, isEvalSupported: false }).promise;
  const pages: PageFacts[] = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [, , width, height] = page.view as [number, number, number, number];
      const all = await pageItems(page);
      // The running footer is drawn in the bottom page-margin box: not content.
      const items = all.filter((i) => i.y + i.size > margins.bottom);
      // pdf.js sums the font's advance widths, which can run a point past
      // Chromium's shaped line; a clipped column overshoots by far more.
      const tol = 2;
      const outside = items
        .filter((i) => i.x < margins.left - tol || i.x + i.width > width - margins.right + tol || i.y + i.size * 0.8 > height - margins.top + tol)
        .map((i) => `"${i.str}" at x ${round(i.x)}-${round(i.x + i.width)} of ${round(width)}`);
      const lowest = Math.min(...items.map((i) => i.y));
      const line = items.filter((i) => Math.abs(i.y - lowest) < 1.5);
      const last = line[line.length - 1];
      const boxHeight = height - margins.top - margins.bottom;
      const sizes = new Map<number, number>();
      for (const i of items) sizes.set(round(i.size), (sizes.get(round(i.size)) ?? 0) + i.str.length);
      pages.push({
        n,
        width,
        height,
        outside,
        lastLine: line.map((i) => i.str).join("").trim(),
        lastRole: last?.role ?? "",
        stranded: last ? await strandedBy(page, line, items.filter((i) => i.element === last.element && last.element >= 0)) : undefined,
        filled: items.length ? Math.min(1, (height - margins.top - (lowest - 3)) / boxHeight) : 0,
        minSize: items.length ? Math.min(...items.map((i) => round(i.size))) : 0,
        bodySize: [...sizes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0,
      });
      page.cleanup();
    }
  } finally {
    await doc.destroy();
  }
  return pages;
}

/** What a page may be measured for: each kind of misfit the tests name. */
export type MisfitKind = "limit" | "outside" | "stranded" | "empty" | "small";

export interface Misfit {
  file: string;
  kind: MisfitKind;
  problem: string;
}

/**
 * Handout kinds whose pages, but for their last, must be at least half
 * full. Worksheets hold cut-out card sheets and answer space, and are
 * meant to have room; one-page kinds have no page before their last.
 */
export const FILLED_KINDS: ReadonlySet<string> = new Set(["plan", "guide", "family"]);

/**
 * Booklet sections are the very same print pages as the handouts
 * (pipeline/model.ts), so their pages are measured there; a booklet's
 * cover and contents are laid out to be partly empty.
 */
export const measured = (h: Handout) => h.variant !== BOOKLET;

/** Everything wrong with one handout's pages. */
export function handoutMisfits(h: Handout, pages: PageFacts[], file: string): Misfit[] {
  const found: Misfit[] = [];
  const say = (kind: MisfitKind, problem: string) => found.push({ file, kind, problem });
  const limit = h.variant === BOOKLET ? undefined : (HANDOUTS[h.variant] as { pageLimit?: number }).pageLimit;
  if (limit && pages.length > limit) say("limit", `${pages.length} pages, more than its limit of ${limit}`);
  for (const p of pages) {
    const before = p.n < pages.length;
    for (const o of p.outside) say("outside", `page ${p.n}: outside the content box: ${o}`);
    // A worksheet question ends in a colon and is followed by its own answer space.
    const question = h.variant === "worksheet" && p.stranded === "colon" && /^L/.test(p.lastRole);
    if (p.stranded && before && !question) say("stranded", `page ${p.n}: ends on a ${p.stranded}: "${p.lastLine}"`);
    if (FILLED_KINDS.has(h.variant) && before && p.filled < 0.5) say("empty", `page ${p.n}: only ${Math.round(p.filled * 100)}% full`);
    if (p.minSize && p.minSize < 9) say("small", `page ${p.n}: text at ${p.minSize} pt, below 9 pt`);
  }
  const body = pages.map((p) => p.bodySize).filter(Boolean);
  if (body.length && Math.max(...body) < 10.5) say("small", `body text at ${Math.max(...body)} pt, below 10.5 pt`);
  return found;
}

/** Every measured handout of a built kit, and what does not fit. */
export async function measureKit(outDir: string): Promise<{ handouts: Handout[]; pages: number; misfits: Misfit[] }> {
  const handouts = await builtHandouts(outDir);
  const margins = new Map<Paper, Margins>();
  for (const paper of PAPERS) margins.set(paper, await paperMargins(paper));
  const misfits: Misfit[] = [];
  let pages = 0;
  for (const h of handouts.filter(measured)) {
    const facts = await measure(h.file, margins.get(h.paper)!);
    pages += facts.length;
    misfits.push(...handoutMisfits(h, facts, path.relative(path.join(outDir, "pdf"), h.file)));
  }
  return { handouts, pages, misfits };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { misfits, pages, handouts } = await measureKit(process.argv[2] ?? "output");
  for (const m of misfits) console.log(`${m.file}: ${m.problem}`);
  console.log(`\n${handouts.filter(measured).length} PDFs, ${pages} pages; ${misfits.length} misfits`);
  const kinds: MisfitKind[] = ["limit", "outside", "stranded", "empty", "small"];
  for (const kind of kinds) {
    const of = misfits.filter((m) => m.kind === kind);
    console.log(`  ${kind}: ${of.length} (in ${new Set(of.map((m) => m.file)).size} PDFs)`);
  }
}
