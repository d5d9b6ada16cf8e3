// Stage 5: print each handout's page to PDF with one browser and a small
// pool of reused tabs, then stamp the document's metadata.
import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PDFDocument } from "pdf-lib";
import { countPages, setInfo } from "./pdf-info.ts";
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
/** A booklet of a large kit runs to well over a thousand pages. */
const BOOKLET_TIMEOUT_MS = 600_000;

/**
 * Prints one page; the PDF is then given its author, subject and dates
 * (Chromium sets title, language, tags and bookmarks itself). A booklet's
 * contents are numbered first, from the page counts of the handouts it
 * holds (its sections are those very pages).
 */
async function printOne(page: Page, job: PdfJob, options: PdfOptions, pageCounts: ReadonlyMap<string, number>): Promise<number> {
  await page.goto(pathToFileURL(path.join(options.siteDir, job.html)).href, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  if (job.booklet) {
    const starts: number[] = [];
    let next = job.booklet.before + 1;
    for (const section of job.booklet.sections) {
      starts.push(next);
      next += pageCounts.get(section) ?? 0;
    }
    await page.evaluate((numbers: number[]) => {
      document.querySelectorAll(".toc-page").forEach((el, i) => (el.textContent = String(numbers[i] ?? "")));
    }, starts);
  }
  const timeout = job.booklet ? BOOKLET_TIMEOUT_MS : PAGE_TIMEOUT_MS;
  const raw = await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true, timeout });
  const { author, subject, date } = options.meta;
  const pdf = await setInfo(raw, { title: job.title, lang: job.lang, author, subject, date });
  await writeFile(path.join(options.outDir, job.pdf), pdf);
  return countPages(pdf) || (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
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
    .update(JSON.stringify({ shared, paper: job.paper, title: job.title, lang: job.lang }))
    .update(html)
    .digest("hex");
}

export interface PdfResult {
  printed: number;
  cached: number;
  /** Cache entries this build used, so older ones can be pruned. */
  used: Set<string>;
}

/**
 * Prints every job not in the cache, booklets last (they are numbered from
 * the other handouts' page counts). A page that crashes or times out is
 * retried once in a fresh tab; memory stays flat, as only `concurrency`
 * tabs ever exist (one, for booklets).
 */
export async function renderPdfs(jobs: readonly PdfJob[], options: PdfOptions): Promise<PdfResult> {
  const assets = await hashFiles(path.join(options.siteDir, "assets"));
  const { author, subject } = options.meta;
  const dated = process.env.SOURCE_DATE_EPOCH ? options.meta.date.toISOString() : "";
  const shared = JSON.stringify({ v: CACHE_VERSION, assets, author, subject, dated, browser: options.browserId });
  const result: PdfResult = { printed: 0, cached: 0, used: new Set() };
  const pageCounts = new Map<string, number>();
  const failures: { job: PdfJob; error: unknown }[] = [];
  let done = 0;
  const progress = () => options.onProgress?.(++done, jobs.length);

  const todo: { job: PdfJob; key: string }[] = [];
  for (const job of jobs) {
    const file = path.join(options.outDir, job.pdf);
    await mkdir(path.dirname(file), { recursive: true });
    const key = options.cacheDir ? await cacheKey(job, options, shared) : "";
    const hit = options.cacheDir ? await fromCache(options.cacheDir, key, file) : undefined;
    if (key) result.used.add(key);
    if (hit === undefined) {
      todo.push({ job, key });
      continue;
    }
    pageCounts.set(job.pdf, hit);
    result.cached++;
    progress();
  }
  if (todo.length === 0) return result;

  const runPool = async (items: { job: PdfJob; key: string }[], tabs: number) => {
    if (items.length === 0) return;
    const browser = await options.browser();
    let next = 0;
    const worker = async () => {
      let page = await browser.newPage();
      while (next < items.length) {
        const { job, key } = items[next++]!;
        for (let attempt = 1; ; attempt++) {
          try {
            const pages = await printOne(page, job, options, pageCounts);
            pageCounts.set(job.pdf, pages);
            result.printed++;
            if (options.cacheDir) await storeInCache(path.join(options.outDir, job.pdf), pages, options.cacheDir, key);
            if (job.booklet) {
              // A tab keeps a booklet's layout after printing it: start the next in a clean one.
              await page.close();
              page = await browser.newPage();
            }
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
        progress();
      }
      await page.close().catch(() => undefined);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(tabs, items.length)) }, worker));
  };
  const handouts = todo.filter((t) => !t.job.booklet);
  await runPool(handouts, options.concurrency ?? os.availableParallelism());
  // One booklet at a time: Chromium needs about 1 MB per printed page of a
  // tagged booklet (1.4 GB for the 1,421 pages of a kit ten times this
  // size), so two at once would double the peak.
  await runPool(todo.filter((t) => t.job.booklet), 1);

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

/** Links a cached PDF into place; its page count, or undefined on a miss. */
async function fromCache(cacheDir: string, key: string, file: string): Promise<number | undefined> {
  const pages = Number(await readFile(path.join(cacheDir, `${key}.pages`), "utf8").catch(() => ""));
  if (!pages) return undefined;
  return (await link(path.join(cacheDir, `${key}.pdf`), file).then(() => true, () => false)) ? pages : undefined;
}

/**
 * Written under a temporary name and renamed, so a crash never leaves half
 * a PDF in the cache; the page count goes last, as it marks the entry whole.
 */
async function storeInCache(file: string, pages: number, cacheDir: string, key: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.${key}.${process.pid}.tmp`);
  await copyFile(file, tmp);
  await rename(tmp, path.join(cacheDir, `${key}.pdf`));
  await writeFile(tmp, String(pages));
  await rename(tmp, path.join(cacheDir, `${key}.pages`));
}

/** Removes cache entries no longer produced by any source. */
export async function pruneCache(cacheDir: string, used: ReadonlySet<string>): Promise<number> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const stale = names.filter((n) => !used.has(n.replace(/\.(pdf|pages)$/, "")));
  await Promise.all(stale.map((n) => rm(path.join(cacheDir, n), { force: true })));
  return stale.length;
}
