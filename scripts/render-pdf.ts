// Stage 5: print each handout's page to PDF with one browser and a small
// pool of reused tabs, then stamp the document's metadata.
import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PDFDocument } from "pdf-lib";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { Browser, Page } from "puppeteer-core";
import type { PdfJob } from "./model.ts";
import { KitError } from "./problems.ts";

export interface PdfMeta {
  author: string;
  subject: string;
  /** Creation and modification date, for byte-identical rebuilds. */
  date: Date;
}

export interface PdfOptions {
  /** Started on the first cache miss only, so a no-op rebuild starts no browser. */
  browser: () => Promise<Browser>;
  /** Names the browser build (path, size, date): a new Chromium prints afresh. */
  browserId: string;
  /** Content-addressed store of finished PDFs; none, no caching. */
  cacheDir?: string;
  siteDir: string;
  outDir: string;
  meta: PdfMeta;
  /** Tabs printing at once; defaults to the machine's cores. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

const PAGE_TIMEOUT_MS = 60_000;


/** Prints one page; Chromium's PDF is then given its title, language and dates. */
async function printOne(page: Page, job: PdfJob, options: PdfOptions): Promise<void> {
  await page.goto(pathToFileURL(path.join(options.siteDir, job.html)).href, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const print = () =>
    page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true, timeout: PAGE_TIMEOUT_MS });
  let raw = await print();
  if (job.contents) {
    // Chromium cannot number a contents page itself (no target-counter), so
    // the first print's bookmarks say where each section starts; the
    // placeholders are as wide as the numbers, so nothing moves.
    const numbers = await sectionStartPages(raw, job.contents);
    await page.evaluate((pages: number[]) => {
      document.querySelectorAll(".toc-page").forEach((el, i) => (el.textContent = String(pages[i] ?? "")));
    }, numbers);
    raw = await print();
  }
  const doc = await PDFDocument.load(raw, { updateMetadata: false });
  doc.setTitle(job.title, { showInWindowTitleBar: true });
  doc.setLanguage(job.lang);
  doc.setAuthor(options.meta.author);
  doc.setSubject(options.meta.subject);
  doc.setCreator("Talk Early kit");
  doc.setProducer("Talk Early kit (Chromium, pdf-lib)");
  doc.setCreationDate(options.meta.date);
  doc.setModificationDate(options.meta.date);
  const file = path.join(options.outDir, job.pdf);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await doc.save({ useObjectStreams: false }));
}

/** Page number on which each of the last `count` top-level bookmarks starts. */
export async function sectionStartPages(pdf: Uint8Array, count: number): Promise<number[]> {
  const doc = await getDocument({ data: pdf.slice(), isEvalSupported: false }).promise;
  try {
    const outline = (await doc.getOutline()) ?? [];
    const sections = outline.slice(-count);
    return await Promise.all(
      sections.map(async (item) => {
        const dest = typeof item.dest === "string" ? await doc.getDestination(item.dest) : item.dest;
        const ref = dest?.[0];
        return ref && typeof ref === "object" ? (await doc.getPageIndex(ref)) + 1 : 0;
      }),
    );
  } finally {
    await doc.destroy();
  }
}

/** Bump when printing changes in a way the inputs below do not show. */
const CACHE_VERSION = 1;

async function hashFiles(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  for (const file of files) hash.update(path.relative(dir, file)).update("\0").update(await readFile(file));
  return hash.digest("hex");
}

/**
 * Everything a PDF is made from: its page, the stylesheets and fonts, the
 * paper and metadata, and the browser build. The date counts only when
 * SOURCE_DATE_EPOCH fixes it; otherwise a cached PDF keeps its first date.
 */
async function cacheKey(job: PdfJob, options: PdfOptions, shared: string): Promise<string> {
  const html = await readFile(path.join(options.siteDir, job.html));
  return createHash("sha256")
    .update(JSON.stringify({ shared, paper: job.paper, title: job.title, lang: job.lang, contents: job.contents ?? 0 }))
    .update(html)
    .digest("hex");
}

export interface PdfResult {
  printed: number;
  cached: number;
  /** Cache entries this build used, so older ones can be pruned. */
  used: Set<string>;
}

/** Prints every job not in the cache; a page that crashes or times out is retried once in a fresh tab. */
export async function renderPdfs(jobs: readonly PdfJob[], options: PdfOptions): Promise<PdfResult> {
  const assets = await hashFiles(path.join(options.siteDir, "assets"));
  const { author, subject } = options.meta;
  const dated = process.env.SOURCE_DATE_EPOCH ? options.meta.date.toISOString() : "";
  const result: PdfResult = { printed: 0, cached: 0, used: new Set() };
  let done = 0;
  const failures: { job: PdfJob; error: unknown }[] = [];

  const todo: { job: PdfJob; key: string }[] = [];
  for (const job of jobs) {
    const file = path.join(options.outDir, job.pdf);
    await mkdir(path.dirname(file), { recursive: true });
    if (!options.cacheDir) {
      todo.push({ job, key: "" });
      continue;
    }
    const key = await cacheKey(job, options, JSON.stringify({ v: CACHE_VERSION, assets, author, subject, dated, browser: options.browserId }));
    result.used.add(`${key}.pdf`);
    const cached = path.join(options.cacheDir, `${key}.pdf`);
    if (await link(cached, file).then(() => true, () => false)) {
      result.cached++;
      options.onProgress?.(++done, jobs.length);
    } else {
      todo.push({ job, key });
    }
  }
  if (todo.length === 0) return result;

  const browser = await options.browser();
  const concurrency = Math.max(1, Math.min(options.concurrency ?? os.availableParallelism(), todo.length));
  let next = 0;
  const worker = async () => {
    let page = await browser.newPage();
    while (next < todo.length) {
      const { job, key } = todo[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          await printOne(page, job, options);
          result.printed++;
          if (options.cacheDir) await storeInCache(path.join(options.outDir, job.pdf), options.cacheDir, key);
          break;
        } catch (error) {
          await page.close().catch(() => undefined);
          page = await browser.newPage();
          if (attempt === 2) {
            failures.push({ job, error });
            break;
          }
        }
      }
      options.onProgress?.(++done, jobs.length);
    }
    await page.close().catch(() => undefined);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  if (failures.length) {
    throw new KitError(
      failures.map(({ job, error }) => ({
        file: job.pdf,
        field: "pdf",
        message: `could not print ${job.html} after a retry: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      })),
    );
  }
  return result;
}

/** Written under a temporary name and renamed, so a crash never leaves half a PDF in the cache. */
async function storeInCache(file: string, cacheDir: string, key: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.${key}.${process.pid}.tmp`);
  await copyFile(file, tmp);
  await rename(tmp, path.join(cacheDir, `${key}.pdf`));
}

/** Removes cache entries no longer produced by any source. */
export async function pruneCache(cacheDir: string, used: ReadonlySet<string>): Promise<number> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const stale = names.filter((n) => n.endsWith(".pdf") && !used.has(n));
  await Promise.all(stale.map((n) => rm(path.join(cacheDir, n), { force: true })));
  return stale.length;
}
