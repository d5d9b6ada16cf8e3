// Stage 5: print each handout's page to PDF with one browser and a small
// pool of reused tabs, then stamp the document's metadata. Booklets are
// printed in parts of bounded size and joined (pdf-merge.ts).
import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PDFDocument } from "pdf-lib";
import { countPages, setInfo, type InfoFields } from "../pdf/info.ts";
import { mergeParts } from "../pdf/merge.ts";
import type { Browser, Page } from "puppeteer-core";
import { footerContent, type PdfJob } from "./model.ts";
import { KitError } from "../core/problems.ts";
import { fault } from "../system/faults.ts";

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
/** A booklet part runs to about 150 pages. */
const PART_TIMEOUT_MS = 300_000;

/** What a booklet part is printed with, besides its page: all of it goes into the part's cache key. */
interface PartSettings {
  /** Its first page's number in the booklet. */
  first: number;
  total: number;
  footer: string;
  /** The first part's contents: each section's first page. */
  starts?: number[];
}

/** Loads a print page and prints it as Chromium does; a booklet part gets its numbering first. */
async function print(page: Page, file: string, part?: PartSettings): Promise<Uint8Array> {
  await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  if (part) {
    // Page numbers run on from the previous part (Chromium starts the page
    // counter at the first page's increment) and the footer names the
    // booklet's length, as this page alone cannot know it.
    const footer = footerContent(part.footer.replaceAll("{pages}", String(part.total)));
    const first = part.first > 1 ? `@page :first { counter-increment: page ${part.first}; }` : "";
    await page.addStyleTag({ content: `@page { @bottom-center { content: ${footer}; } } ${first}` });
    if (part.starts) {
      await page.evaluate((numbers: number[]) => {
        document.querySelectorAll(".toc-page").forEach((el, i) => (el.textContent = String(numbers[i] ?? "")));
      }, part.starts);
    }
  }
  return page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true, timeout: part ? PART_TIMEOUT_MS : PAGE_TIMEOUT_MS });
}

/** Bump when printing changes in a way the inputs below do not show. */
const CACHE_VERSION = 2;

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
async function cacheKey(siteDir: string, html: string, shared: string, extra: unknown): Promise<string> {
  return createHash("sha256")
    .update(JSON.stringify({ shared, extra }))
    .update(await readFile(path.join(siteDir, html)))
    .digest("hex");
}

export interface PdfResult {
  printed: number;
  cached: number;
  /** Booklet parts printed (a booklet is printed in parts and joined). */
  parts: number;
  /** Cache entries this build used, so older ones can be pruned. */
  used: Set<string>;
}

/** One print in the pool; `fresh` asks for a new tab afterwards (a tab keeps a long document's layout). */
interface Task {
  label: string;
  fresh?: boolean;
  run: (page: Page) => Promise<void>;
  /** Told when the print failed for good. */
  failed?: (error: unknown) => void;
}

/**
 * Prints every PDF not in the cache: handouts first, then the booklets,
 * which are numbered from the handouts' page counts and printed in parts
 * of bounded size, so memory does not grow with the kit. A page that
 * crashes or times out is retried once in a fresh tab.
 */
export async function renderPdfs(jobs: readonly PdfJob[], options: PdfOptions): Promise<PdfResult> {
  const assets = await hashFiles(path.join(options.siteDir, "assets"));
  const { author, subject } = options.meta;
  const dated = process.env.SOURCE_DATE_EPOCH ? options.meta.date.toISOString() : "";
  const shared = JSON.stringify({ v: CACHE_VERSION, assets, author, subject, dated, browser: options.browserId });
  const result: PdfResult = { printed: 0, cached: 0, parts: 0, used: new Set() };
  const pageCounts = new Map<string, number>();
  const failures: { file: string; message: string }[] = [];
  const firstLine = (error: unknown) => (error instanceof Error ? error.message.split("\n")[0] : String(error));
  let done = 0;
  const progress = () => options.onProgress?.(++done, jobs.length);
  const tabs = options.concurrency ?? os.availableParallelism();
  const { cacheDir } = options;
  const info = (job: PdfJob): InfoFields => ({ title: job.title, lang: job.lang, author, subject, date: options.meta.date });

  const runPool = async (tasks: Task[]) => {
    if (tasks.length === 0) return;
    const browser = await options.browser();
    let next = 0;
    const worker = async () => {
      let page = await browser.newPage();
      while (next < tasks.length) {
        const task = tasks[next++]!;
        for (let attempt = 1; ; attempt++) {
          try {
            await task.run(page);
            if (task.fresh) {
              await page.close();
              page = await browser.newPage();
            }
            break;
          } catch (error) {
            await page.close().catch(() => undefined);
            page = await browser.newPage();
            if (attempt === 2) {
              failures.push({ file: task.label, message: `could not print ${task.label} after a retry: ${firstLine(error)}` });
              task.failed?.(error);
              break;
            }
          }
        }
      }
      await page.close().catch(() => undefined);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(tabs, tasks.length)) }, worker));
  };
  const lookup = async (key: string, file: string) => {
    result.used.add(key);
    return cacheDir ? fromCache(cacheDir, key, file) : undefined;
  };
  /** Takes a finished PDF from the cache; false on a miss. */
  const cached = async (job: PdfJob, key: string, file: string) => {
    const pages = await lookup(key, file);
    if (pages === undefined) return false;
    pageCounts.set(job.pdf, pages);
    result.cached++;
    progress();
    return true;
  };
  const finish = async (job: PdfJob, key: string, pages: number) => {
    pageCounts.set(job.pdf, pages);
    result.printed++;
    if (cacheDir) await storeInCache(path.join(options.outDir, job.pdf), pages, cacheDir, key);
    progress();
  };
  /** A PDF printed whole: a handout, or a booklet that is one part. */
  const printWhole = async (page: Page, job: PdfJob, key: string, part?: PartSettings) => {
    const pdf = await setInfo(await print(page, path.join(options.siteDir, job.html), part), info(job));
    await writeFile(path.join(options.outDir, job.pdf), pdf);
    await finish(job, key, await pageCount(pdf));
  };

  const handouts: Task[] = [];
  for (const job of jobs.filter((j) => !j.booklet)) {
    const file = path.join(options.outDir, job.pdf);
    await mkdir(path.dirname(file), { recursive: true });
    const key = await cacheKey(options.siteDir, job.html, shared, { paper: job.paper, title: job.title, lang: job.lang });
    if (await cached(job, key, file)) continue;
    handouts.push({ label: job.html, run: (page) => printWhole(page, job, key) });
  }
  await runPool(handouts);
  failIf(failures);

  // Booklets. Each part's numbering comes from the handouts' page counts.
  const partsDir = path.join(options.outDir, ".booklet-parts");
  const parts: Task[] = [];
  const joins: Promise<void>[] = [];
  for (const job of jobs.filter((j) => j.booklet)) {
    const layout = job.booklet!;
    const file = path.join(options.outDir, job.pdf);
    await mkdir(path.dirname(file), { recursive: true });
    const starts: number[] = [];
    let nextPage = layout.before + 1;
    for (const section of layout.sections) {
      starts.push(nextPage);
      nextPage += pageCounts.get(section) ?? 0;
    }
    const total = nextPage - 1;
    let section = 0;
    const settings = layout.parts.map((part, i) => {
      const first = i === 0 ? 1 : starts[section]!;
      section += part.sections;
      return { html: part.html, part: { first, total, footer: layout.footer, ...(i === 0 ? { starts } : {}) } };
    });
    const partKeys = await Promise.all(settings.map((s) => cacheKey(options.siteDir, s.html, shared, { paper: job.paper, part: s.part })));
    const key = createHash("sha256").update(JSON.stringify({ shared, title: job.title, lang: job.lang, partKeys })).digest("hex");
    // Kept even when the booklet is cached, so that an edit reprints only its part.
    if (settings.length > 1) partKeys.forEach((k) => result.used.add(k));
    if (await cached(job, key, file)) continue;

    if (settings.length === 1) {
      parts.push({
        label: job.html,
        fresh: true,
        run: async (page) => {
          await printWhole(page, job, key, settings[0]!.part);
          result.parts++;
        },
      });
      continue;
    }
    await mkdir(partsDir, { recursive: true });
    const files: Promise<string>[] = [];
    let printFailed = false;
    for (const [i, { html, part }] of settings.entries()) {
      const partFile = path.join(partsDir, `${partKeys[i]}.pdf`);
      if ((await lookup(partKeys[i]!, partFile)) !== undefined) {
        files.push(Promise.resolve(partFile));
        continue;
      }
      const printed = settle<string>();
      files.push(printed.promise);
      parts.push({
        label: html,
        fresh: true,
        run: async (page) => {
          const pdf = await print(page, path.join(options.siteDir, html), part);
          await writeFile(partFile, pdf);
          result.parts++;
          if (cacheDir) await storeInCache(partFile, countPages(pdf), cacheDir, partKeys[i]!);
          printed.resolve(partFile);
        },
        failed: (error) => {
          printFailed = true;
          printed.reject(error);
        },
      });
    }
    // Joining starts now and takes each part as soon as it is printed.
    const standIns = new Map(layout.anchors.map((anchor, i) => [anchor, starts[i]!] as const).slice(layout.parts[0]!.sections));
    const tmp = `${file}.tmp`;
    joins.push(
      mergeParts(files, tmp, { info: info(job), standIns })
        .then(async (pages) => {
          fault("pdf:rename:booklet");
          await rename(tmp, file);
          await finish(job, key, pages);
        })
        .catch(async (error: unknown) => {
          await rm(tmp, { force: true });
          // A part that could not be printed is reported as such already.
          if (!printFailed) failures.push({ file: job.pdf, message: `could not join the booklet's ${files.length} parts: ${firstLine(error)}` });
        }),
    );
  }
  await runPool(parts);
  await Promise.all(joins);
  await rm(partsDir, { recursive: true, force: true });
  failIf(failures);
  return result;
}

/** A promise settled from outside (Promise.withResolvers is Node 22). Marked handled: its joiner may fail first. */
function settle<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

async function pageCount(pdf: Uint8Array): Promise<number> {
  return countPages(pdf) || (await PDFDocument.load(pdf, { updateMetadata: false })).getPageCount();
}

function failIf(failures: readonly { file: string; message: string }[]): void {
  if (failures.length) throw new KitError(failures.map(({ file, message }) => ({ file, field: "pdf", message })));
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
  fault("pdf:cache:pdf");
  await rename(tmp, path.join(cacheDir, `${key}.pdf`));
  await writeFile(tmp, String(pages));
  fault("pdf:cache:pages");
  await rename(tmp, path.join(cacheDir, `${key}.pages`));
}

/** Removes cache entries no longer produced by any source. */
export async function pruneCache(cacheDir: string, used: ReadonlySet<string>): Promise<number> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const stale = names.filter((n) => !used.has(n.replace(/\.(pdf|pages)$/, "")));
  await Promise.all(stale.map((n) => rm(path.join(cacheDir, n), { force: true })));
  return stale.length;
}
