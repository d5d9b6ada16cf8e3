// `kit proof`: contact sheets of the last build's PDFs, one per locale,
// handout kind and paper (output/proof/<locale>/<kind>-<paper>.png, and
// -2.png, -3.png ... when a kind has more pages than one image holds), and
// output/proof/index.html linking them all. A teacher, translator or
// reviewer sees every printed page at a glance before printing 300 copies.
//
// It proofs what was built, never builds: a proof of files other than the
// ones about to be printed would prove nothing, and a full build takes
// minutes. With no build it says to run `kit build` first (exit 1).
//
// The pages are drawn by pdf.js in the browser the build prints with
// (templates/proof/sheet.js), served by a small server on 127.0.0.1 that
// hands out only pdf.js, that page and the built PDFs. pdf.js is an ES
// module with a worker, which Chromium will not load from file:// pages.
import { createReadStream } from "node:fs";
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "puppeteer-core";
import { HANDOUTS, VARIANTS, type HandoutKind } from "../core/handouts.ts";
import { KitError } from "../core/problems.ts";
import { PAPERS, type Paper } from "../core/schema.ts";
import { loadValidKit } from "../pipeline/build.ts";
import { BOOKLET, buildModel, type PdfJob } from "../pipeline/model.ts";
import { consoleReporter, seconds, type Reporter } from "../pipeline/report.ts";
import { launchBrowser } from "../system/browser.ts";
import { lockOutput } from "../system/lock.ts";

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHEET_DIR = path.join(TOOL_ROOT, "templates", "proof");
const PDFJS_DIR = path.resolve(path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/build/pdf.mjs")), "..");

/** Thumbnails per image: 6 across, 8 down, so one image stays easy to open and scroll. */
export const PER_IMAGE = 48;
/** CSS pixels per PDF point, for every page of a sheet: an A4 page is 202 x 286 px. */
const SCALE = 0.34;
/** Sheets of at most this many pages are drawn at twice the scale. */
const FEW_PAGES = 3;
/** Wide enough for 6 A4 or Letter pages across (sheet.html's grid). */
const VIEWPORT_WIDTH = 1372;

export interface ProofOptions {
  root: string;
  /** The build's output folder (pdf/ is read, proof/ written); default <root>/output. */
  outDir?: string;
  locales?: string[];
  reporter?: Reporter;
}

export interface Thumb {
  /** The PDF, relative to the output folder. */
  pdf: string;
  page: number;
  /** The canvas's box in the image, in pixels, border included. */
  x: number;
  y: number;
  width: number;
  height: number;
  blank: boolean;
  /** Past the registry's page limit for this kind. */
  over: boolean;
}

export interface ProofImage {
  /** Relative to the proof folder. */
  file: string;
  width: number;
  height: number;
  thumbs: Thumb[];
}

export interface ProofSheet {
  locale: string;
  /** The registry's handout kind, or the booklet. */
  kind: PdfJob["variant"];
  paper: Paper;
  pdfs: string[];
  pages: number;
  images: ProofImage[];
}

export interface ProofResult {
  /** The proof folder and its index page. */
  dir: string;
  index: string;
  sheets: ProofSheet[];
  /** PDFs the kit has that the last build did not publish (a site-only or one-locale build, or new lessons). */
  missing: string[];
}

/** The kinds in registry order, the booklet last, as the index lists them. */
const KINDS: PdfJob["variant"][] = [...VARIANTS, BOOKLET];

function pageLimit(kind: PdfJob["variant"]): number | undefined {
  return kind === BOOKLET ? undefined : (HANDOUTS[kind] as HandoutKind).pageLimit;
}

const exists = (file: string) => stat(file).then(() => true, () => false);

/** The model's PDF jobs grouped per locale, kind and paper, in the build's order; and the ones not on disk. */
async function sheetsToDraw(jobs: PdfJob[], outDir: string): Promise<{ groups: { locale: string; kind: PdfJob["variant"]; paper: Paper; pdfs: string[] }[]; missing: string[] }> {
  const missing: PdfJob[] = [];
  const present: PdfJob[] = [];
  for (const job of jobs) ((await exists(path.join(outDir, job.pdf))) ? present : missing).push(job);
  const locales = [...new Set(jobs.map((j) => j.locale))];
  const groups = [];
  for (const locale of locales) {
    for (const kind of KINDS) {
      for (const paper of PAPERS) {
        const pdfs = present.filter((j) => j.locale === locale && j.variant === kind && j.paper === paper).map((j) => j.pdf);
        if (pdfs.length) groups.push({ locale, kind, paper, pdfs });
      }
    }
  }
  return { groups, missing: missing.map((j) => j.pdf) };
}

export async function proof(options: ProofOptions): Promise<ProofResult> {
  const started = Date.now();
  const report = options.reporter ?? consoleReporter();
  const outDir = path.resolve(options.outDir ?? path.join(options.root, "output"));
  const where = path.relative(process.cwd(), outDir) || ".";
  const noBuild = (why: string) =>
    new KitError([{ file: `${where}/pdf`, message: `${why}: run \`kit build${options.outDir ? ` --out ${options.outDir}` : ""}\` first, then \`kit proof\`` }]);
  if (!(await exists(path.join(outDir, "pdf")))) throw noBuild("no handouts built here yet");
  // Held so that a build does not swap pdf/ while its pages are being drawn.
  const lock = await lockOutput(outDir);
  try {
    const kit = await loadValidKit(options.root, { locales: options.locales });
    const model = await buildModel(kit, { locales: options.locales });
    const { groups, missing } = await sheetsToDraw(model.pdfs, outDir);
    if (!groups.length) throw noBuild(`none of this kit's ${model.pdfs.length} handouts${options.locales ? ` for ${options.locales.join(", ")}` : ""} are built here`);
    if (missing.length) report.line(`${missing.length} of ${model.pdfs.length} handouts are not built (listed on the index page); proofing the ${model.pdfs.length - missing.length} that are.`);
    const staging = path.join(outDir, ".proof-new");
    await rm(staging, { recursive: true, force: true });
    const drawn = await drawAll(groups, outDir, staging, report);
    const dir = path.join(outDir, "proof");
    const kept = options.locales ? await keepOthers(dir, staging, new Set(options.locales)) : { sheets: [], missing: [] };
    const order = kit.locales.map((l) => l.code);
    const sheets = [...kept.sheets, ...drawn].sort((a, b) => order.indexOf(a.locale) - order.indexOf(b.locale));
    const all = [...kept.missing, ...missing];
    await writeFile(path.join(staging, "index.html"), indexPage(kit.config.title, sheets, all));
    await writeFile(path.join(staging, "proof.json"), JSON.stringify({ sheets, missing: all } satisfies Manifest, null, 1));
    // The new proof replaces the old one whole, so no sheet of a locale just proofed is left from before.
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    const images = drawn.reduce((n, s) => n + s.images.length, 0);
    const pages = drawn.reduce((n, s) => n + s.pages, 0);
    const others = kept.sheets.length ? ` (and kept the last proof's ${kept.sheets.length} of other locales)` : "";
    report.line(`Wrote ${drawn.length} proof sheets (${images} images, ${pages} pages) in ${seconds(Date.now() - started)}${others}: open ${where}/proof/index.html`);
    return { dir, index: path.join(dir, "index.html"), sheets, missing: all };
  } finally {
    await lock.release();
  }
}

type Manifest = Pick<ProofResult, "sheets" | "missing">;

/**
 * A proof of some locales keeps the last proof's sheets of the others (as a
 * one-locale build keeps their pages): copied into the new proof, and
 * listed in its index and proof.json.
 */
async function keepOthers(dir: string, staging: string, proofed: ReadonlySet<string>): Promise<Manifest> {
  let last: Manifest | undefined;
  try {
    last = JSON.parse(await readFile(path.join(dir, "proof.json"), "utf8")) as Manifest;
  } catch {
    return { sheets: [], missing: [] }; // no earlier proof, or one from before proof.json: nothing to keep
  }
  const sheets = last.sheets.filter((s) => !proofed.has(s.locale));
  for (const locale of new Set(sheets.map((s) => s.locale))) await cp(path.join(dir, locale), path.join(staging, locale), { recursive: true });
  // A missing PDF's path is pdf/<locale>/<name>.pdf.
  return { sheets, missing: last.missing.filter((m) => !proofed.has(m.split("/")[1] ?? "")) };
}

/** One browser tab draws every sheet in turn; each image is a screenshot of the page's #sheet. */
async function drawAll(groups: Awaited<ReturnType<typeof sheetsToDraw>>["groups"], outDir: string, staging: string, report: Reporter): Promise<ProofSheet[]> {
  const server = await serve(outDir);
  const running = await launchBrowser(report.line);
  const sheets: ProofSheet[] = [];
  try {
    const page = await running.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error instanceof Error ? error.message : String(error)));
    await page.setViewport({ width: VIEWPORT_WIDTH, height: 900, deviceScaleFactor: 1 });
    await page.goto(`${server.origin}/proof/sheet.html`, { waitUntil: "load" });
    await page.waitForFunction(() => (window as unknown as { proofReady?: boolean }).proofReady === true, { timeout: 30_000 }).catch(() => {
      throw new Error(`the proof page did not start${errors.length ? `: ${errors.join("; ")}` : ""}`);
    });
    report.progress("Proof sheets", 0, groups.length);
    for (const [i, group] of groups.entries()) {
      sheets.push(await drawSheet(page, group, staging));
      report.progress("Proof sheets", i + 1, groups.length);
    }
  } finally {
    await running.close();
    await new Promise((resolve) => server.server.close(resolve));
  }
  return sheets;
}

type ProofWindow = {
  proofOpen(urls: string[]): Promise<number[]>;
  proofClose(): Promise<void>;
  proofDraw(spec: { title: string; sub: string; scale: number; thumbs: { doc: number; page: number; pages: number; label: string; limit?: number }[] }): Promise<{ x: number; y: number; width: number; height: number; blank: boolean }[]>;
};

async function drawSheet(page: Page, group: { locale: string; kind: PdfJob["variant"]; paper: Paper; pdfs: string[] }, staging: string): Promise<ProofSheet> {
  const { locale, kind, paper, pdfs } = group;
  const counts = await page.evaluate((urls) => (window as unknown as ProofWindow).proofOpen(urls), pdfs.map((p) => `/${p}`));
  const limit = pageLimit(kind);
  const all = pdfs.flatMap((pdf, doc) =>
    Array.from({ length: counts[doc]! }, (_, n) => ({ doc, page: n + 1, pages: counts[doc]!, label: path.basename(pdf), ...(limit === undefined ? {} : { limit }) })),
  );
  // Images of even size: 50 pages make two of 25, not one of 48 and one of 2.
  const per = Math.ceil(all.length / Math.ceil(all.length / PER_IMAGE));
  const chunks: (typeof all)[] = [];
  for (let i = 0; i < all.length; i += per) chunks.push(all.slice(i, i + per));
  // A sheet of a few pages (a poster, a wallet card) is drawn twice as large: there is room, and it is read closely.
  const scale = all.length <= FEW_PAGES ? 2 * SCALE : SCALE;
  const name = `${kind === BOOKLET ? "booklet" : kind}-${paper}`;
  await mkdir(path.join(staging, locale), { recursive: true });
  const images: ProofImage[] = [];
  const pages = all.length;
  for (const [i, thumbs] of chunks.entries()) {
    const part = chunks.length > 1 ? ` · image ${i + 1} of ${chunks.length}` : "";
    const spec = {
      title: `${locale} · ${kind === BOOKLET ? "booklet" : kind} · ${paper === "a4" ? "A4" : "Letter"}`,
      sub: `${pdfs.length} PDF${pdfs.length === 1 ? "" : "s"}, ${pages} page${pages === 1 ? "" : "s"}${limit ? `, at most ${limit} page${limit === 1 ? "" : "s"} each` : ""}${part}`,
      thumbs,
      scale,
    };
    const boxes = await page.evaluate((s) => (window as unknown as ProofWindow).proofDraw(s), spec);
    const size = await page.$eval("#sheet", (el) => ({ width: Math.ceil(el.getBoundingClientRect().width), height: Math.ceil(el.getBoundingClientRect().height) }));
    // The whole sheet in the viewport, so the screenshot is its layout, pixel for pixel.
    await page.setViewport({ width: VIEWPORT_WIDTH, height: size.height, deviceScaleFactor: 1 });
    const file = path.join(locale, `${name}${chunks.length > 1 ? `-${i + 1}` : ""}.png`);
    await page.screenshot({ path: path.join(staging, file) as `${string}.png`, clip: { x: 0, y: 0, ...size } });
    images.push({
      file: file.split(path.sep).join("/"),
      ...size,
      thumbs: boxes.map((box, n) => ({ pdf: pdfs[thumbs[n]!.doc]!, page: thumbs[n]!.page, ...box, over: limit !== undefined && thumbs[n]!.page > limit })),
    });
  }
  await page.evaluate(() => (window as unknown as ProofWindow).proofClose());
  return { locale, kind, paper, pdfs, pages, images };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".pdf": "application/pdf",
  ".wasm": "application/wasm",
};

/** Serves pdf.js, the proof page and the built PDFs (and nothing else) on a free local port. */
async function serve(outDir: string): Promise<{ server: Server; origin: string }> {
  const roots: Record<string, string> = { proof: SHEET_DIR, pdfjs: PDFJS_DIR, pdf: path.join(outDir, "pdf") };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, top = "", ...rest] = decodeURIComponent(url.pathname).split("/");
    const base = roots[top];
    const file = base ? path.resolve(base, ...rest) : undefined;
    if (!base || !file || !file.startsWith(base + path.sep)) return void res.writeHead(404).end();
    stat(file).then(
      (s) => {
        if (!s.isFile()) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "content-length": s.size });
        createReadStream(file).pipe(res);
      },
      () => void res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** output/proof/index.html: every sheet per locale, kind and paper, with what to look for. */
function indexPage(title: string, sheets: ProofSheet[], missing: string[]): string {
  const locales = [...new Set(sheets.map((s) => s.locale))];
  const cell = (sheet: ProofSheet | undefined) => {
    if (!sheet) return "<td>–</td>";
    const thumbs = sheet.images.flatMap((i) => i.thumbs);
    const over = thumbs.filter((t) => t.over).length;
    const blank = thumbs.filter((t) => t.blank).length;
    const links = sheet.images.map((img, i) => `<a href="${escape(img.file)}">${sheet.images.length > 1 ? `part ${i + 1}` : "sheet"}</a>`).join(" · ");
    const flags = [over ? `<strong>${over} page${over === 1 ? "" : "s"} over the limit</strong>` : "", blank ? `<strong>${blank} blank</strong>` : ""].filter(Boolean).join(", ");
    return `<td>${links}<br><small>${sheet.pdfs.length} PDF${sheet.pdfs.length === 1 ? "" : "s"}, ${sheet.pages} pages${flags ? `; ${flags}` : ""}</small></td>`;
  };
  const tables = locales.map((locale) => {
    const rows = KINDS.filter((k) => sheets.some((s) => s.locale === locale && s.kind === k)).map(
      (kind) => `<tr><th scope="row">${kind === BOOKLET ? "booklet" : kind}</th>${PAPERS.map((p) => cell(sheets.find((s) => s.locale === locale && s.kind === kind && s.paper === p))).join("")}</tr>`,
    );
    return `<h2 id="${escape(locale)}">${escape(locale)}</h2>\n<table><thead><tr><th>Handout</th>${PAPERS.map((p) => `<th>${p === "a4" ? "A4" : "Letter"}</th>`).join("")}</tr></thead>\n<tbody>${rows.join("\n")}</tbody></table>`;
  });
  const notBuilt = missing.length ? `<h2>Not built</h2><p>The last build did not make these (run <code>kit build</code> for them):</p><ul>${missing.map((m) => `<li>${escape(m)}</li>`).join("")}</ul>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Proof sheets: ${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;margin-bottom:1.5rem}th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left;vertical-align:top}strong{color:#b00}</style>
</head><body>
<h1>Proof sheets: ${escape(title)}</h1>
<p>Every page of every PDF of the last build, small, one sheet per locale, handout and paper. Each page has a thin border, so its blank space shows; the first page of each PDF has a blue edge; a page past its handout's page limit has a red frame.</p>
<p>Before printing: look for a page that runs over (a card or family sheet with one page too many), a last page holding only a line or a box, a page less than half full in the middle of a plan, text cut at the right edge, a heading alone at the foot of a page, and, in a translation, text longer than the English that pushes a page over.</p>
<p>${locales.map((l) => `<a href="#${escape(l)}">${escape(l)}</a>`).join(" · ")}</p>
${tables.join("\n")}
${notBuilt}
</body></html>
`;
}
