// The pipeline, stage by stage: load, validate (with translation
// fallbacks), check, model, render the site and its search index, render
// the PDFs, package (swap into output/, zip each locale), report. Each
// stage is a module named for it.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fault } from "../system/faults.ts";
import { lockOutput, type HeldLock } from "../system/lock.ts";
import { browserId, launchBrowser, type RunningBrowser } from "../system/browser.ts";
import { clearRecord, kitVersion, writeRecord } from "./assemble.ts";
import { pruneZipCache, writeBundles } from "./bundle.ts";
import { runContentChecks } from "./check.ts";
import { loadKit } from "./load.ts";
import { buildModel, type BuildOptions, type SiteModel } from "./model.ts";
import { carryOver, discard, linkPdfsIntoSite, makeStaging, publish, recover } from "./package.ts";
import { formatProblems, isWarning, KitError, type Problem } from "../core/problems.ts";
import { pruneCache, renderPdfs, type PdfResult, type PdfTimings } from "./render-pdf.ts";
import { renderSite } from "./render-site.ts";
import { consoleReporter, seconds, type Reporter } from "./report.ts";
import { buildSearchIndexes } from "./search-index.ts";
import { addFallbacks } from "./translations.ts";
import { validate, type Kit } from "./validate.ts";

export interface KitBuildOptions extends BuildOptions {
  /** Kit folder holding kit.config.yaml, lessons/ and regions/. */
  root: string;
  /** Where site/ and pdf/ go; default <root>/output. */
  outDir?: string;
  reporter?: Reporter;
  /** Handouts printing at once; default the machine's cores. */
  concurrency?: number;
  /** Build the website without a browser: handouts still current stay, the rest are marked not built. */
  siteOnly?: boolean;
}

export interface BuildResult {
  pages: number;
  pdfs: number;
  /** PDFs printed by the browser in this build. */
  printed: number;
  /** Which they are (paths under pdf/, as in the model's jobs). */
  reprinted: string[];
  /** PDFs whose inputs had not changed, taken from the cache. */
  cached: number;
  /** Booklet parts printed (booklets are printed in parts, then joined). */
  parts: number;
  /** Milliseconds spent in each stage. */
  timings: { check: number; site: number; pdf: number; package: number };
  /** The PDF stage's time by phase (render-pdf.ts). */
  pdfPhases: PdfTimings;
  ms: number;
  outDir: string;
  model: SiteModel;
}

/**
 * Loads, validates and checks the kit; throws a KitError naming every
 * problem (warnings included). Warnings alone do not fail: they are added
 * to `warnings` for the caller to print (`kit check --strict` fails on them).
 */
export async function loadValidKit(root: string, options: BuildOptions = {}, warnings: Problem[] = []): Promise<Kit> {
  const problems: Problem[] = [];
  const source = await loadKit(root, problems);
  const { kit } = validate(source, problems);
  if (kit) addFallbacks(kit, problems);
  if (kit && !problems.length) runContentChecks(kit, problems, source);
  if (options.locales) {
    for (const code of options.locales.filter((c) => !source.locales.some((l) => l.code === c))) {
      problems.push({ file: `lessons/${code}`, field: "--locale", message: `no locale "${code}": expected lessons/${code}/locale.yaml` });
    }
  }
  if (problems.some((p) => !isWarning(p)) || !kit) throw new KitError(problems);
  warnings.push(...problems);
  return kit;
}

/** Source dates make rebuilds byte-identical (reproducible-builds.org). */
export function buildDate(env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

/** Milliseconds since the last call. */
function stopwatch(): () => number {
  let mark = Date.now();
  return () => {
    const now = Date.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
}

/**
 * One build, holding the output folder's lock throughout: a swap an
 * earlier build left half done is settled first, then everything is made
 * in a staging folder and published all or nothing (package.ts).
 */
export async function build(options: KitBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const report = options.reporter ?? consoleReporter();
  const outDir = path.resolve(options.outDir ?? path.join(options.root, "output"));
  await mkdir(outDir, { recursive: true });
  const lock = await lockOutput(outDir);
  try {
    fault("build:locked");
    const recovered = await recover(outDir);
    if (recovered) report.line(recovered);
    fault("build:recovered");
    return await buildLocked(options, outDir, lock, report, started);
  } finally {
    await lock.release();
  }
}

async function buildLocked(options: KitBuildOptions, outDir: string, lock: HeldLock, report: Reporter, started: number): Promise<BuildResult> {
  const warnings: Problem[] = [];
  const kit = await loadValidKit(options.root, options, warnings);
  if (warnings.length) report.line(formatProblems(warnings));
  fault("build:checked");
  // The model always covers every locale, so a one-locale build still
  // links to every other one (switcher, hreflang); only its own pages are made.
  const date = buildDate();
  const [model, version] = await Promise.all([buildModel(kit, { ...options, date }), kitVersion(options.root)]);
  const wanted = (locale: string) => !options.locales || options.locales.includes(locale);
  const locales = kit.locales.map((l) => l.code).filter(wanted);
  const lap = stopwatch();
  const timings = { check: Date.now() - started, site: 0, pdf: 0, package: 0 };
  fault("build:model");
  report.line(`Checked ${kit.locales.reduce((n, l) => n + l.lessons.filter((x) => !x.fallbackFrom).length, 0)} lessons in ${kit.locales.length} locale(s).`);

  const staging = await makeStaging(outDir);
  try {
    const pages = await renderSite(model, path.join(staging, "site"));
    fault("build:site");
    const indexed = await buildSearchIndexes(path.join(staging, "site"), locales);
    fault("build:search");
    timings.site = lap();
    report.line(`Wrote ${model.site.length} web pages and ${model.print.length} print pages; search covers ${indexed} pages.`);
    const pdfs = options.siteOnly ? await reusePdfs(model, kit, staging, outDir, date, report) : await printPdfs(model, kit, staging, outDir, date, report, options.concurrency);
    fault("build:pdf");
    if (options.siteOnly && pdfs.missing.length) {
      // The keys depend on the print pages, so the web pages learn which
      // links are missing only now: draw them again with the notice.
      markNotBuilt(model, new Set(pdfs.missing));
      await renderSite(model, path.join(staging, "site"));
      await buildSearchIndexes(path.join(staging, "site"), locales);
    }
    timings.pdf = lap();
    // Files of other locales this output keeps from earlier builds; none in a folder of one locale's own (a CI part).
    const carried = options.locales ? await carryOver(outDir, staging, (l) => !wanted(l), kit.locales.map((l) => l.code), kit.config.defaultLocale) : 0;
    if (options.locales) fault("build:carried");
    await linkPdfsIntoSite(staging);
    fault("build:linked");
    const zipCache = path.join(outDir, ".cache", "zip");
    const bundles = await writeBundles(path.join(staging, "site"), path.join(staging, "kits"), locales, { title: kit.config.title, date, baseUrl: options.baseUrl, cacheDir: zipCache });
    fault("build:bundled");
    lock.check();
    await clearRecord(outDir);
    await publish(staging, outDir);
    fault("build:published");
    const browser = options.siteOnly ? null : await browserId();
    if (browser !== null) await recordPublished(outDir, pdfs, browser);
    // What `kit assemble` checks before joining this output with others.
    const allLocales = kit.locales.map((l) => l.code);
    await writeRecord(outDir, { kit: version, locales, allLocales, defaultLocale: kit.config.defaultLocale, baseUrl: options.baseUrl ?? null, date: date.toISOString(), siteOnly: !!options.siteOnly, browser });
    // Prune only when this output holds nothing but what this build made: a
    // one-locale build beside other locales' files uses only part of the cache.
    if (!carried && !options.siteOnly) {
      await pruneCache(path.join(outDir, ".cache", "pdf"), pdfs.used);
      await pruneZipCache(zipCache, bundles.used);
    }
    timings.package = lap();
    const ms = Date.now() - started;
    const where = path.relative(process.cwd(), outDir) || ".";
    const made = options.siteOnly ? `${pdfs.cached} current PDFs kept, ${pdfs.missing.length} not built (run a full build)` : `${model.pdfs.length} PDFs (${pdfs.printed} printed, ${pdfs.cached} unchanged)`;
    report.line(`Built ${model.site.length} pages and ${made} in ${seconds(ms)}: ${where}/site, ${where}/pdf, ${where}/kits`);
    return { pages, pdfs: model.pdfs.length, printed: pdfs.printed, reprinted: pdfs.reprinted, cached: pdfs.cached, parts: pdfs.parts, ms, outDir, model, timings, pdfPhases: pdfs.timings };
  } catch (error) {
    await discard(staging);
    throw error;
  }
}

/** What the last full build published: kept beside the cache, as pdf/ holds only the files. */
const PUBLISHED = "pdf-published.json";

interface Published {
  browserId: string;
  pdfs: Record<string, { key: string; pages: number }>;
}

async function readPublished(outDir: string): Promise<Published | undefined> {
  const text = await readFile(path.join(outDir, ".cache", PUBLISHED), "utf8").catch(() => undefined);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as Published);
  } catch {
    return undefined;
  }
}

/** Kept after every printing build; a one-locale build keeps the other locales' entries. */
async function recordPublished(outDir: string, pdfs: PdfResult, browser: string): Promise<void> {
  const before = await readPublished(outDir);
  const entries = { ...(before?.browserId === browser ? before.pdfs : {}), ...Object.fromEntries(pdfs.made) };
  const file = path.join(outDir, ".cache", PUBLISHED);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify({ browserId: browser, pdfs: entries } satisfies Published));
  await rename(`${file}.tmp`, file);
}

/**
 * Site-only: the PDFs whose keys are unchanged, from the cache or the
 * published pdf/, with no browser. The keys are worked out with the browser
 * the last full build printed with: this build prints nothing, so the
 * browser installed now does not matter.
 */
async function reusePdfs(model: SiteModel, kit: Kit, staging: string, outDir: string, date: Date, report: Reporter): Promise<PdfResult> {
  const last = await readPublished(outDir);
  const published = new Map(Object.entries(last?.pdfs ?? {}).map(([pdf, { key, pages }]) => [key, { file: path.join(outDir, pdf), pages }] as const));
  return renderPdfs(model.pdfs, {
    browser: () => Promise.reject(new Error("a site-only build starts no browser")),
    browserId: last?.browserId ?? "none",
    print: false,
    published,
    cacheDir: path.join(outDir, ".cache", "pdf"),
    siteDir: path.join(staging, "site"),
    outDir: staging,
    meta: { author: kit.config.author, subject: kit.config.subject, date },
    onProgress: (done, total) => report.progress("PDFs", done, total),
  });
}

/** A link to a PDF this build does not publish would lead nowhere: the page shows a notice instead. */
export function markNotBuilt(model: SiteModel, missing: ReadonlySet<string>): void {
  // Downloads sit in several places of a page's data (a lesson's list, a
  // band's cards, the home page's booklet, the downloads page's groups).
  const visit = (value: unknown, depth: number): void => {
    if (!value || typeof value !== "object" || depth > 4) return;
    if (Array.isArray(value)) return value.forEach((v) => visit(v, depth + 1));
    const links = (value as { links?: unknown }).links;
    if (Array.isArray(links)) for (const link of links as { href?: string; missing?: boolean }[]) if (typeof link?.href === "string") link.missing = missing.has(link.href);
    for (const [key, v] of Object.entries(value)) if (key !== "strings" && key !== "alternates") visit(v, depth + 1);
  };
  for (const entry of model.site) visit(entry, 0);
}

/** Prints the model's PDFs into staging, starting the browser only if one is not cached. */
async function printPdfs(model: SiteModel, kit: Kit, staging: string, outDir: string, date: Date, report: Reporter, concurrency?: number): Promise<PdfResult> {
  let running: RunningBrowser | undefined;
  try {
    return await renderPdfs(model.pdfs, {
      browser: async () => (running ??= await launchBrowser(report.line)).browser,
      browserId: await browserId(),
      cacheDir: path.join(outDir, ".cache", "pdf"),
      siteDir: path.join(staging, "site"),
      outDir: staging,
      meta: { author: kit.config.author, subject: kit.config.subject, date },
      concurrency,
      onProgress: (done, total) => report.progress("PDFs", done, total),
    });
  } finally {
    await running?.close();
  }
}
