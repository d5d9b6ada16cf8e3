// Stage 5: print each handout's page to PDF with one browser and a small
// pool of reused tabs, then stamp the document's metadata. Booklets are
// printed in parts of bounded size, one part at a time, and joined
// (scripts/pdf/merge.ts). What may be reused is decided in pdf-cache.ts.
import { existsSync } from "node:fs";
import { copyFile, link, mkdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PDFDocument } from "pdf-lib";
import type { Browser, HTTPRequest, Page } from "puppeteer-core";
import { PrintError } from "../core/problems.ts";
import { countPages, setInfo, type InfoFields } from "../pdf/info.ts";
import { mergeParts } from "../pdf/merge.ts";
import type { BookletLayout, PdfJob } from "./model.ts";
import { footerContent } from "./print-footer.ts";
import { AssetHasher, combinedKey, fromCache, pageKey, printCodeFingerprint, sharedKey, storeInCache } from "./pdf-cache.ts";

export { pruneCache } from "./pdf-cache.ts";
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
  /** Names the browser build (system/browser.ts): a new Chromium prints afresh. */
  browserId: string;
  /** Fingerprint of the printing code and libraries; worked out from the sources when not given. */
  printCode?: string;
  /** Content-addressed store of finished PDFs; none, no caching. */
  cacheDir?: string;
  siteDir: string;
  outDir: string;
  meta: PdfMeta;
  /** Handouts printing at once (one tab each); defaults to the machine's cores. Booklet parts print one at a time. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * False for a site-only build: nothing is printed and no browser is
   * started; a PDF whose key is unchanged is taken from the cache or from
   * `published`, and the rest are listed in the result's `missing`.
   */
  print?: boolean;
  /** PDFs the last full build published, by key: where each is and its page count. */
  published?: ReadonlyMap<string, { file: string; pages: number }>;
}

export interface PdfResult {
  printed: number;
  cached: number;
  /** Booklet parts printed (a booklet is printed in parts and joined). */
  parts: number;
  /** Cache entries this build used, so older ones can be pruned. */
  used: Set<string>;
  /** Each PDF made (printed or reused): its key and page count, by its path under pdf/. */
  made: Map<string, { key: string; pages: number }>;
  /** Site-only builds: PDFs (paths under pdf/) not current, so not published. */
  missing: string[];
  /** PDFs (paths under pdf/) printed or joined afresh by this run, in the order they were finished. */
  reprinted: string[];
  /** Where the stage's time went (npm run bench prints it, so a phase that grows faster than the kit shows). */
  timings: PdfTimings;
}

/**
 * Milliseconds by phase. `handouts`, `parts` and `joinTail` are wall time;
 * the rest are busy time summed over the tabs printing at once, so they
 * can add up to more than the wall time.
 */
export interface PdfTimings {
  /** Cache keys: reading and hashing each page and the files it loads. */
  keys: number;
  /** Cache look-ups and hard links (or copies) of reused PDFs and parts. */
  lookup: number;
  /** The pool, first tab to the last handout printed (booklet parts print beside them). */
  handouts: number;
  /** In Chromium: loading and printing handouts. */
  print: number;
  /** Stamping metadata (scripts/pdf/info.ts). */
  info: number;
  /** Reading page counts. */
  count: number;
  /** Writing printed PDFs and putting them in the cache. */
  store: number;
  /** The pool after the last handout: the booklet parts still to print, one at a time. */
  parts: number;
  /** In Chromium: loading, numbering and printing booklet parts. */
  partPrint: number;
  /** Joining booklets (scripts/pdf/merge.ts), not counting waits for parts still printing. */
  merge: number;
  /** From the last part printed to the last booklet joined. */
  joinTail: number;
}

const noTimings = (): PdfTimings => ({ keys: 0, lookup: 0, handouts: 0, print: 0, info: 0, count: 0, store: 0, parts: 0, partPrint: 0, merge: 0, joinTail: 0 });

/** Runs `task`, adding its time to `phase`. */
async function timed<T>(run: Run, phase: keyof PdfTimings, task: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await task();
  } finally {
    run.result.timings[phase] += performance.now() - started;
  }
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

/** One print in the pool; `fresh` asks for a new tab afterwards (a tab keeps a long document's layout). */
interface Task {
  label: string;
  fresh?: boolean;
  run: (page: Page) => Promise<void>;
  /** Told when the print failed for good. */
  failed?: (error: unknown) => void;
}

/** One run of the stage: its options, shared key and what it has done so far. */
interface Run {
  options: PdfOptions;
  assets: AssetHasher;
  shared: string;
  total: number;
  done: number;
  result: PdfResult;
  pageCounts: Map<string, number>;
  failures: { file: string; message: string }[];
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message.split("\n")[0] : String(error));

/**
 * Loads a print page and prints it as Chromium does; a booklet part gets
 * its numbering first. A page that loads a file its cache key does not
 * cover fails: its PDF could otherwise be reused after that file changed.
 */
async function print(page: Page, file: string, covered: ReadonlySet<string>, part?: PartSettings): Promise<Uint8Array> {
  const loaded: string[] = [];
  const onRequest = (request: HTTPRequest) => {
    if (request.url().startsWith("file:")) loaded.push(fileURLToPath(request.url()));
  };
  page.on("request", onRequest);
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    if (part) await numberPart(page, part);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true, timeout: part ? PART_TIMEOUT_MS : PAGE_TIMEOUT_MS });
    const uncovered = loaded.filter((f) => !covered.has(f));
    if (uncovered.length) throw new Error(`it loaded ${uncovered.join(", ")}, which the PDF cache does not know it depends on`);
    return pdf;
  } finally {
    page.off("request", onRequest);
  }
}

async function numberPart(page: Page, part: PartSettings): Promise<void> {
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

/**
 * Prints every PDF not in the cache: the handouts, and the booklets, which
 * are numbered from the handouts' page counts and printed in parts of
 * bounded size, one part at a time (beside the handouts still printing),
 * so memory grows neither with the kit nor with the machine's cores. A page that crashes or times out is
 * retried once in a fresh tab; whatever still fails is a PrintError.
 */
export async function renderPdfs(jobs: readonly PdfJob[], options: PdfOptions): Promise<PdfResult> {
  const { author, subject } = options.meta;
  const dated = process.env.SOURCE_DATE_EPOCH ? options.meta.date.toISOString() : "";
  const code = options.printCode ?? (await printCodeFingerprint());
  const run: Run = {
    options,
    assets: new AssetHasher(options.siteDir),
    shared: sharedKey({ code, browser: options.browserId, author, subject, dated }),
    total: jobs.length,
    done: 0,
    result: { printed: 0, cached: 0, parts: 0, used: new Set(), made: new Map(), missing: [], reprinted: [], timings: noTimings() },
    pageCounts: new Map(),
    failures: [],
  };

  const printing = options.print !== false;
  const handouts: Task[] = [];
  for (const job of jobs.filter((j) => !j.booklet)) {
    const task = await planHandout(run, job);
    if (task && printing) handouts.push(task);
    else if (task) run.result.missing.push(job.pdf);
  }
  if (!printing) {
    for (const job of jobs.filter((j) => j.booklet)) if (!(await reuseBooklet(run, job))) run.result.missing.push(job.pdf);
    return run.result;
  }
  // Handouts in booklet order (locale, then paper), so the first booklet's
  // sections are all counted early and its parts print beside the rest.
  const group = (job: PdfJob) => `${job.locale}\0${job.paper}`;
  const order = [...new Set(jobs.map(group))];
  const byGroup = new Map(jobs.map((j) => [j.html, order.indexOf(group(j))]));
  handouts.sort((a, b) => (byGroup.get(a.label) ?? 0) - (byGroup.get(b.label) ?? 0));

  const partsDir = path.join(options.outDir, ".booklet-parts");
  const booklets = jobs.filter((j) => j.booklet);
  const joins: Promise<void>[] = [];
  const counted = (job: PdfJob) => job.booklet!.sections.every((section) => run.pageCounts.has(section));
  /** Booklet parts ready to print: a booklet's are queued once all its sections have page counts. */
  const parts: Task[] = [];
  const queueReady = async () => {
    // Two tabs may ask at once: a booklet is taken off the list before planning it yields.
    for (let ready = booklets.findIndex(counted); ready >= 0; ready = booklets.findIndex(counted)) {
      const [job] = booklets.splice(ready, 1);
      if (!run.failures.length) await planBooklet(run, job!, partsDir, parts, joins);
    }
  };
  await queueReady();
  const width = options.concurrency ?? os.availableParallelism();
  await runPool(run, { handouts, parts, queueReady }, width);
  await timed(run, "joinTail", () => Promise.all(joins));
  await rm(partsDir, { recursive: true, force: true });
  failIf(run.failures);
  // A booklet never numbered: one of its sections failed (reported above) or is not in this run.
  for (const job of booklets) run.failures.push(uncounted(job, job.booklet!.sections.find((s) => !run.pageCounts.has(s))!));
  failIf(run.failures);
  return run.result;
}

const infoOf = (run: Run, job: PdfJob): InfoFields => ({ ...run.options.meta, title: job.title, lang: job.lang });

/** What one pool prints: the handouts, and the booklet parts queued as their sections are counted. */
interface Work {
  handouts: readonly Task[];
  /** Filled while the pool runs (queueReady); taken from the front. */
  parts: Task[];
  /** Queues the parts of every booklet whose sections all have page counts now. */
  queueReady: () => Promise<void>;
}

/**
 * Prints the handouts and the booklet parts in `width` tabs. A booklet can
 * be numbered only once its sections are printed, but it need not wait for
 * every other handout: its parts print in one tab beside the handouts (one
 * part at a time, so memory does not grow with the kit), and the tabs stay
 * busy to the end instead of one tab printing every part after the last
 * handout. When the browser itself fails (no tab can be opened), every
 * task not yet done is failed, so that no booklet join waits for a part
 * that will never come.
 *
 * Timings: `handouts` runs to the last handout printed, `parts` from then
 * to the last part printed (the tail the parts add).
 */
async function runPool(run: Run, work: Work, width: number): Promise<void> {
  const { handouts, parts } = work;
  if (handouts.length === 0 && parts.length === 0) return;
  const browser = await run.options.browser();
  const settled = new Set<Task>();
  const started = performance.now();
  let handoutsEnd = started;
  let next = 0;
  let partBusy = false;
  let broken: unknown;
  /** Workers waiting for a part to be queued or the running one to end. */
  let waiting: (() => void)[] = [];
  const wake = () => {
    const woken = waiting;
    waiting = [];
    for (const w of woken) w();
  };
  const unfinished = () => next < handouts.length || parts.length > 0 || partBusy;
  const worker = async () => {
    // A tab is opened for a task and kept for the next, but not while waiting.
    let page: Page | undefined;
    try {
      while (unfinished() && broken === undefined) {
        if (!partBusy && parts.length) {
          partBusy = true;
          try {
            page = await runTask(run, browser, (page ??= await browser.newPage()), parts.shift()!, settled);
          } finally {
            partBusy = false;
            wake();
          }
        } else if (next < handouts.length) {
          const task = handouts[next++]!;
          page = await runTask(run, browser, (page ??= await browser.newPage()), task, settled);
          await work.queueReady();
          if (next >= handouts.length) handoutsEnd = Math.max(handoutsEnd, performance.now());
          wake();
        } else {
          // Only parts are left and another tab prints one: wait for it, without a tab.
          await page?.close().catch(() => undefined);
          page = undefined;
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
      }
    } catch (error) {
      broken ??= error;
      wake();
    } finally {
      await page?.close().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, handouts.length + parts.length || 1)) }, worker));
  const ended = performance.now();
  run.result.timings.handouts += Math.max(handoutsEnd, started) - started;
  run.result.timings.parts += ended - Math.max(handoutsEnd, started);
  if (broken === undefined) return;
  run.failures.push({ file: "browser", message: `the browser stopped working while printing: ${firstLine(broken)}` });
  for (const task of [...handouts, ...parts].filter((t) => !settled.has(t))) task.failed?.(broken);
}

/**
 * Runs one task, a second time in a fresh tab if it fails; the tab to go
 * on with, or none after a task that asks for a fresh one (the next task
 * opens it).
 */
async function runTask(run: Run, browser: Browser, page: Page, task: Task, settled: Set<Task>): Promise<Page | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await task.run(page);
      settled.add(task);
      if (!task.fresh) return page;
      await page.close().catch(() => undefined);
      return undefined;
    } catch (error) {
      if (attempt === 2) {
        run.failures.push({ file: task.label, message: `could not print ${task.label} after a retry: ${firstLine(error)}` });
        task.failed?.(error);
        settled.add(task);
      }
    }
    await page.close().catch(() => undefined);
    if (attempt === 2) return undefined;
    page = await browser.newPage();
  }
}

/** Takes a cache entry into place; its page count, or undefined on a miss. Marks the entry used either way. */
async function lookup(run: Run, key: string, file: string): Promise<number | undefined> {
  return timed(run, "lookup", () => lookupUntimed(run, key, file));
}

async function lookupUntimed(run: Run, key: string, file: string): Promise<number | undefined> {
  run.result.used.add(key);
  const cached = run.options.cacheDir ? await fromCache(run.options.cacheDir, key, file) : undefined;
  if (cached !== undefined) return cached;
  const published = run.options.published?.get(key);
  if (!published) return undefined;
  // The published copy is replaced when publishing: a link or copy survives that.
  await linkOrCopy(published.file, file).catch(() => undefined);
  return existsSync(file) ? published.pages : undefined;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

/** Takes a finished PDF from the cache; false on a miss. */
async function takeCached(run: Run, job: PdfJob, key: string): Promise<boolean> {
  const pages = await lookup(run, key, path.join(run.options.outDir, job.pdf));
  if (pages === undefined) return false;
  run.pageCounts.set(job.pdf, pages);
  run.result.made.set(job.pdf, { key, pages });
  run.result.cached++;
  run.options.onProgress?.(++run.done, run.total);
  return true;
}

async function finish(run: Run, job: PdfJob, key: string, pages: number): Promise<void> {
  run.pageCounts.set(job.pdf, pages);
  run.result.made.set(job.pdf, { key, pages });
  run.result.printed++;
  run.result.reprinted.push(job.pdf);
  if (run.options.cacheDir) await timed(run, "store", () => storeInCache(path.join(run.options.outDir, job.pdf), pages, run.options.cacheDir!, key));
  run.options.onProgress?.(++run.done, run.total);
}

/** A PDF printed whole: a handout, or a booklet that is one part. */
async function printWhole(run: Run, page: Page, job: PdfJob, key: string, html: string, part?: PartSettings): Promise<void> {
  const covered = await run.assets.files(html);
  const printed = await timed(run, part ? "partPrint" : "print", () => print(page, path.join(run.options.siteDir, html), covered, part));
  const pdf = await timed(run, "info", () => setInfo(printed, infoOf(run, job)));
  await timed(run, "store", () => writeFile(path.join(run.options.outDir, job.pdf), pdf));
  await finish(run, job, key, await timed(run, "count", () => pageCount(pdf, job.pdf)));
}

/** A handout from the cache, or the task that prints it. */
async function planHandout(run: Run, job: PdfJob): Promise<Task | undefined> {
  await mkdir(path.dirname(path.join(run.options.outDir, job.pdf)), { recursive: true });
  const key = await timed(run, "keys", () => pageKey(run.assets, run.shared, job.html, { paper: job.paper, title: job.title, lang: job.lang }));
  if (await takeCached(run, job, key)) return undefined;
  return { label: job.html, run: (page) => printWhole(run, page, job, key, job.html) };
}

/** A booklet one of whose sections has no page count. */
const uncounted = (job: PdfJob, section: string) => ({ file: job.pdf, message: `no page count for ${section}, so the booklet cannot be numbered` });

/** Each section's first page and each part's settings, from the handouts' page counts. */
function numberBooklet(run: Run, job: PdfJob, layout: BookletLayout): { starts: number[]; settings: { html: string; part: PartSettings }[] } {
  const starts: number[] = [];
  let nextPage = layout.before + 1;
  for (const section of layout.sections) {
    const pages = run.pageCounts.get(section);
    // A guessed count would print wrong page numbers in the contents.
    if (!pages) throw new PrintError([uncounted(job, section)]);
    starts.push(nextPage);
    nextPage += pages;
  }
  const total = nextPage - 1;
  let section = 0;
  const settings = layout.parts.map((part, i) => {
    const first = i === 0 ? 1 : starts[section]!;
    section += part.sections;
    return { html: part.html, part: { first, total, footer: layout.footer, ...(i === 0 ? { starts } : {}) } };
  });
  return { starts, settings };
}

/** A booklet's numbering, its parts' keys and its own key, as planBooklet and reuseBooklet both need. */
async function bookletKeys(run: Run, job: PdfJob) {
  const { starts, settings } = numberBooklet(run, job, job.booklet!);
  const partKeys = await timed(run, "keys", () => Promise.all(settings.map((s) => pageKey(run.assets, run.shared, s.html, { paper: job.paper, part: s.part }))));
  return { starts, settings, partKeys, key: combinedKey(run.shared, { title: job.title, lang: job.lang }, partKeys) };
}

/** Site-only: the booklet when it is current; false when a section or the booklet itself is not. */
async function reuseBooklet(run: Run, job: PdfJob): Promise<boolean> {
  if (job.booklet!.sections.some((section) => !run.pageCounts.has(section))) return false;
  await mkdir(path.dirname(path.join(run.options.outDir, job.pdf)), { recursive: true });
  const { partKeys, key } = await bookletKeys(run, job);
  if (partKeys.length > 1) partKeys.forEach((k) => run.result.used.add(k));
  return takeCached(run, job, key);
}

/** A booklet from the cache, or the tasks that print its missing parts and the join that makes it. */
async function planBooklet(run: Run, job: PdfJob, partsDir: string, tasks: Task[], joins: Promise<void>[]): Promise<void> {
  const layout = job.booklet!;
  await mkdir(path.dirname(path.join(run.options.outDir, job.pdf)), { recursive: true });
  const { starts, settings, partKeys, key } = await bookletKeys(run, job);
  // Kept even when the booklet is cached, so that an edit reprints only its part.
  if (settings.length > 1) partKeys.forEach((k) => run.result.used.add(k));
  if (await takeCached(run, job, key)) return;

  if (settings.length === 1) {
    const { html, part } = settings[0]!;
    tasks.push({
      label: html,
      fresh: true,
      run: async (page) => {
        await printWhole(run, page, job, key, html, part);
        run.result.parts++;
      },
    });
    return;
  }
  await mkdir(partsDir, { recursive: true });
  const printing = { failed: false };
  const files: Promise<string>[] = [];
  for (const [i, { html, part }] of settings.entries()) {
    files.push((await planPart(run, path.join(partsDir, `${partKeys[i]}.pdf`), partKeys[i]!, html, part, tasks, printing)).ready);
  }
  const standIns = new Map(layout.anchors.map((anchor, i) => [anchor, starts[i]!] as const).slice(layout.parts[0]!.sections));
  joins.push(joinBooklet(run, job, key, files, standIns, printing));
}

/** A booklet part: from the cache, or a task that prints it. Settles when the part's file is ready. */
async function planPart(run: Run, partFile: string, key: string, html: string, part: PartSettings, tasks: Task[], printing: { failed: boolean }): Promise<{ ready: Promise<string> }> {
  if ((await lookup(run, key, partFile)) !== undefined) return { ready: Promise.resolve(partFile) };
  const printed = settle<string>();
  tasks.push({
    label: html,
    fresh: true,
    run: async (page) => {
      const covered = await run.assets.files(html);
      const pdf = await timed(run, "partPrint", () => print(page, path.join(run.options.siteDir, html), covered, part));
      await timed(run, "store", () => writeFile(partFile, pdf));
      run.result.parts++;
      const pages = await timed(run, "count", () => pageCount(pdf, html));
      if (run.options.cacheDir) await timed(run, "store", () => storeInCache(partFile, pages, run.options.cacheDir!, key));
      printed.resolve(partFile);
    },
    failed: (error) => {
      printing.failed = true;
      printed.reject(error);
    },
  });
  return { ready: printed.promise };
}

/** Joining starts at once and takes each part as soon as it is printed. */
async function joinBooklet(run: Run, job: PdfJob, key: string, files: Promise<string>[], standIns: Map<string, number>, printing: { failed: boolean }): Promise<void> {
  const file = path.join(run.options.outDir, job.pdf);
  const tmp = `${file}.tmp`;
  try {
    const busy = { ms: 0 };
    const pages = await mergeParts(files, tmp, { info: infoOf(run, job), standIns, busy });
    run.result.timings.merge += busy.ms;
    if (!(pages > 0)) throw new Error("the joined booklet has no pages");
    fault("pdf:rename:booklet");
    await rename(tmp, file);
    await finish(run, job, key, pages);
  } catch (error) {
    await rm(tmp, { force: true });
    // A part that could not be printed is reported as such already.
    if (!printing.failed) run.failures.push({ file: job.pdf, message: `could not join the booklet's ${files.length} parts: ${firstLine(error)}` });
  }
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

/**
 * The page count, read the fast way or by parsing the file. Without one
 * the booklet's contents would be numbered wrong, so a PDF with no
 * readable count fails the build.
 */
async function pageCount(pdf: Uint8Array, label: string): Promise<number> {
  const fast = countPages(pdf);
  if (fast > 0) return fast;
  const parsed = await PDFDocument.load(pdf, { updateMetadata: false }).then((doc) => doc.getPageCount(), () => 0);
  if (parsed > 0) return parsed;
  throw new Error(`${label}: the printed PDF has no readable page count`);
}

function failIf(failures: readonly { file: string; message: string }[]): void {
  if (failures.length) throw new PrintError([...failures]);
}
