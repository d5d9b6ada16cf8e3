// What a PDF draws and inside which marked content, read by pdf.js from
// the page's operator list (independent of scripts/pdf/artifacts.ts,
// which writes the marks): each painting operator with the stack of
// marked-content sequences open around it. And every page as pixels, to
// show that marking changed nothing that is seen.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { AnnotationMode, OPS, getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { STANDARD_FONTS } from "./helpers.ts";

/** One painting operator: its pdf.js name and the marked content around it, outermost first ("Artifact", "P:3" for an MCID). */
export interface Paint {
  op: string;
  marks: string[];
  /** Only for paths: whether the path has curves (the logo and icons are drawn with them). */
  curved?: boolean;
}

const run = promisify(execFile);
const NAMES = new Map(Object.entries(OPS).map(([name, id]) => [id, name]));
const PAINTING = new Set([
  "stroke", "closeStroke", "fill", "eoFill", "fillStroke", "eoFillStroke", "closeFillStroke", "closeEOFillStroke",
  "showText", "showSpacedText", "nextLineShowText", "nextLineSetSpacingShowText",
  "shadingFill", "paintXObject", "paintImageMaskXObject", "paintImageMaskXObjectGroup", "paintImageXObject",
  "paintInlineImageXObject", "paintInlineImageXObjectGroup", "paintImageXObjectRepeat", "paintImageMaskXObjectRepeat",
  "paintSolidColorImageMask", "rawFillPath",
].map((name) => OPS[name as keyof typeof OPS]));
const OPEN = new Set([OPS.beginMarkedContent, OPS.beginMarkedContentProps]);

/** Whether pdf.js path data (DrawOPS codes mixed with coordinates) holds a curve. */
function hasCurve(data: unknown): boolean {
  const path = (Array.isArray(data) ? data[0] : undefined) as ArrayLike<number> | undefined;
  if (!path || typeof path.length !== "number") return false;
  // DrawOPS: moveTo 0 (2 numbers), lineTo 1 (2), curveTo 2 (6), quadraticCurveTo 3 (4), closePath 4 (0).
  for (let i = 0; i < path.length; ) {
    const code = path[i]!;
    if (code === 2 || code === 3) return true;
    i += 1 + ([2, 2, 6, 4, 0][code] ?? Infinity);
  }
  return false;
}

/** Every page's painting operators, in order. */
export async function paintsOf(pdf: Uint8Array): Promise<Paint[][]> {
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  try {
    const pages: Paint[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const list = await (await doc.getPage(n)).getOperatorList({ annotationMode: AnnotationMode.DISABLE });
      const marks: string[] = [];
      const paints: Paint[] = [];
      list.fnArray.forEach((fn, i) => {
        const args = list.argsArray[i] as unknown[] | null;
        if (OPEN.has(fn)) {
          // pdf.js gives BMC's tag as a Name ({ name }), BDC's as a string with the MCID (or null) after it.
          const tag = args?.[0] as string | { name: string };
          const mcid = fn === OPS.beginMarkedContentProps ? args?.[1] : undefined;
          marks.push(`${typeof tag === "string" ? tag : tag.name}${typeof mcid === "number" ? `:${mcid}` : ""}`);
        } else if (fn === OPS.endMarkedContent) marks.pop();
        else if (fn === OPS.constructPath) {
          // pdf.js 5 folds the painting operator into the path: [op, data, bounds]; endPath paints nothing.
          const paint = args?.[0] as number;
          if (PAINTING.has(paint)) paints.push({ op: NAMES.get(paint)!, marks: [...marks], curved: hasCurve(args?.[1]) });
        } else if (PAINTING.has(fn)) paints.push({ op: NAMES.get(fn)!, marks: [...marks] });
      });
      pages.push(paints);
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

/** Painting operators outside every marked-content sequence, as "page N: op". */
export function unmarked(pages: Paint[][]): string[] {
  return pages.flatMap((paints, i) => paints.filter((paint) => paint.marks.length === 0).map((paint) => `page ${i + 1}: ${paint.op}`));
}

/**
 * How `after` differs from `before` other than by wrapping what `before`
 * left unmarked as artifacts: the same painting operators in the same
 * order on every page, each unmarked one now inside exactly one Artifact
 * sequence, each marked one inside the same marked content as before.
 */
export function artifactChanges(before: Paint[][], after: Paint[][]): string[] {
  const problems: string[] = [];
  if (before.length !== after.length) return [`${before.length} pages became ${after.length}`];
  before.forEach((paints, p) => {
    const now = after[p]!;
    const shape = (list: Paint[]) => list.map((paint) => `${paint.op}${paint.curved ? "~" : ""}`).join(" ");
    if (shape(paints) !== shape(now)) return problems.push(`page ${p + 1}: the painting operators changed`);
    paints.forEach((paint, i) => {
      const expected = paint.marks.length === 0 ? ["Artifact"] : paint.marks;
      if (now[i]!.marks.join(">") !== expected.join(">")) problems.push(`page ${p + 1}, ${paint.op} #${i}: in ${now[i]!.marks.join(">") || "nothing"}, not ${expected.join(">")}`);
    });
  });
  return problems;
}

/**
 * Every page as pixels, rendered by poppler's pdftoppm at 60 dpi: one
 * SHA-256 of its PPM a page (equal pixels, equal hashes), as comparing
 * megabyte buffers element by element in expect() takes seconds a page.
 */
export async function pixels(file: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "talk-early-ppm-"));
  try {
    await run("pdftoppm", ["-r", "60", file, path.join(dir, "p")]);
    const names = (await readdir(dir)).sort((a, b) => Number(/(\d+)\.ppm$/.exec(a)![1]) - Number(/(\d+)\.ppm$/.exec(b)![1]));
    return Promise.all(names.map(async (name) => createHash("sha256").update(await readFile(path.join(dir, name))).digest("hex")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
