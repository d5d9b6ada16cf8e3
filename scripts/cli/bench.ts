// `kit bench`: how fast the build is, measured, not guessed. Every figure
// is a ratio against a baseline measured in the same run on the same
// machine, because absolute seconds on a shared 2-core machine are noise.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { launchBrowser } from "../system/browser.ts";
import { parse } from "yaml";
import { build, type BuildResult } from "../pipeline/build.ts";
import { CONFIG_FILE, LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";
import { silentReporter } from "../pipeline/report.ts";
import { measureEditToReload } from "./dev-bench.ts";

/**
 * Memory of this process and every process it started (Chromium's too), as
 * proportional set size: pages shared between Chromium's processes count
 * once, not once per process as plain RSS would. Only this tree's
 * smaps_rollup is read: reading every process's, on a machine running
 * other builds, took longer than the sampling interval and slowed the
 * build being measured to a crawl.
 */
function treeRssMb(): number {
  const children = new Map<number, number[]>();
  for (const name of safeReaddir("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      // The parent is the 4th field of /proc/<pid>/stat, after "(command)", which may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  for (const queue = [process.pid]; queue.length; ) {
    const pid = queue.pop()!;
    queue.push(...(children.get(pid) ?? []));
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
    } catch {
      // ended meanwhile
    }
  }
  return total / 1024;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Runs `task` while sampling memory; returns its result and the peak.
 * Each sample waits at least twice as long as the last one took, so the
 * measuring never takes more than a third of the build's time.
 */
async function withPeak<T>(task: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = treeRssMb();
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    const started = Date.now();
    peak = Math.max(peak, treeRssMb());
    timer = setTimeout(sample, Math.max(100, 2 * (Date.now() - started)));
  };
  timer = setTimeout(sample, 100);
  try {
    const value = await task();
    return { value, peakMb: Math.max(peak, treeRssMb()) };
  } finally {
    clearTimeout(timer);
  }
}

export async function copyKit(from: string, to: string, locales: string[]): Promise<void> {
  await mkdir(path.join(to, LESSONS_DIR), { recursive: true });
  await cp(path.join(from, CONFIG_FILE), path.join(to, CONFIG_FILE));
  await cp(path.join(from, REGIONS_DIR), path.join(to, REGIONS_DIR), { recursive: true });
  for (const code of locales) await cp(path.join(from, LESSONS_DIR, code), path.join(to, LESSONS_DIR, code), { recursive: true });
}

/** Ten lessons for every one: same text, new ids and orders, so ten times the handouts. */
export async function multiplyKit(root: string, locales: string[], factor: number): Promise<void> {
  for (const code of locales) {
    const dir = path.join(root, LESSONS_DIR, code);
    for (const name of (await readdir(dir)).filter((n) => n.endsWith(".md"))) {
      const text = await readFile(path.join(dir, name), "utf8");
      const order = Number(/^order:\s*(\d+)/m.exec(text)?.[1] ?? 1);
      for (let copy = 2; copy <= factor; copy++) {
        const body = text
          .replace(/^order:\s*\d+/m, `order: ${order + 100 * copy}`)
          .replace(/^title:\s*(.*)$/m, (_m, title: string) => `title: "${title.replace(/^"|"$/g, "").replace(/"/g, "'")} (${copy})"`);
        await writeFile(path.join(dir, name.replace(/\.md$/, `-${copy}.md`)), body);
      }
    }
  }
}

/** The floor: the same browser printing the same pages one after another, nothing else. */
async function printFloor(out: string, result: BuildResult): Promise<number> {
  const running = await launchBrowser();
  try {
    const page = await running.browser.newPage();
    const started = Date.now();
    const pages = result.model.pdfs.flatMap((job) => job.booklet?.parts.map((part) => part.html) ?? [job.html]);
    for (const html of pages) {
      await page.goto(pathToFileURL(path.join(out, "site", html)).href, { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true });
    }
    return Date.now() - started;
  } finally {
    await running.close();
  }
}

const s = (ms: number) => Math.round(ms / 10) / 100;
const ratio = (a: number, b: number, places = 1000) => Math.round((a / b) * places) / places;

/**
 * Cold builds and ten-times builds alike run this many times and keep the
 * one with the fastest PDF phase (memory: the highest peak of all), so
 * both sides of the ten-times ratio get the same treatment.
 */
const RUNS = 2;

/** Every locale the kit has: a folder of lessons/ with a locale.yaml. */
async function kitLocales(root: string): Promise<string[]> {
  const names = await readdir(path.join(root, LESSONS_DIR), { withFileTypes: true });
  return names.filter((d) => d.isDirectory() && existsSync(path.join(root, LESSONS_DIR, d.name, "locale.yaml"))).map((d) => d.name).sort();
}

type Measured = { value: BuildResult; peakMb: number };

/** RUNS cold builds (empty output, empty cache) of `root`; the fastest PDF phase, with the highest peak. */
async function coldBuilds(root: string, out: string, codes: string[]): Promise<Measured & { all: number[] }> {
  const runs: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    await rm(out, { recursive: true, force: true });
    runs.push(await withPeak(() => build({ root, outDir: out, reporter: silentReporter, locales: codes })));
  }
  const best = runs.reduce((a, b) => (b.value.timings.pdf < a.value.timings.pdf ? b : a));
  return { ...best, peakMb: Math.max(...runs.map((r) => r.peakMb)), all: runs.map((r) => r.value.timings.pdf) };
}

/** The build's stages and the PDF stage's phases, in seconds. */
function phases(result: BuildResult): Record<string, number> {
  const { check, site, pdf, package: pack } = result.timings;
  const pdfPhases = Object.fromEntries(Object.entries(result.pdfPhases).map(([k, v]) => [`pdf.${k}`, s(v)]));
  return { check: s(check), site: s(site), pdf: s(pdf), package: s(pack), ...pdfPhases };
}

/** The first lesson of a child band (not "adults") in the first locale: an edit a teacher would make. */
async function childLesson(root: string, code: string): Promise<string> {
  const dir = path.join(root, LESSONS_DIR, code);
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".md")).sort()) {
    const band = /^band:\s*"?([\w-]+)/m.exec(await readFile(path.join(dir, name), "utf8"))?.[1];
    if (band && band !== "adults") return path.join(dir, name);
  }
  throw new Error(`no child lesson in ${dir}`);
}

/**
 * What a one-lesson rebuild printed, by handout kind, and how many of
 * those it should not have: anything but the lesson's own handouts, its
 * band's conversation cards and the booklets. In any locale: another
 * locale's adaptation of the lesson rightly reprints too, as its handouts
 * now say that the original lesson has changed since it was adapted.
 */
function reprints(result: BuildResult, lessonFile: string): { kinds: string; unexpected: string[] } {
  const lesson = path.basename(lessonFile, ".md");
  const band = /^(\d+-\d+)-/.exec(lesson)?.[1];
  const jobs = new Map(result.model.pdfs.map((j) => [j.pdf, j]));
  const kinds = new Map<string, number>();
  const unexpected: string[] = [];
  for (const pdf of result.reprinted) {
    const job = jobs.get(pdf)!;
    kinds.set(job.variant, (kinds.get(job.variant) ?? 0) + 1);
    const name = path.basename(pdf);
    const expected = job.booklet || name.startsWith(`${lesson}-`) || (band && name.startsWith(`${band}-conversation-cards-`));
    if (!expected) unexpected.push(pdf);
  }
  return { kinds: [...kinds].map(([k, n]) => `${k} ${n}`).join(", "), unexpected };
}

/**
 * The benchmark as one script, step after step, so its figures read in
 * the order they are measured. Longer than 80 lines on purpose: splitting
 * it would scatter one measurement's setup, run and report.
 *
 * The whole default kit (every locale) is measured, or the `--locale`
 * ones. The ten-times kit is built from the default locale only (or the
 * `--locale` ones) and compared with a cold build of those same locales:
 * what can grow faster than the kit (a booklet's parts and contents, a
 * band's cards, a tab's age, the merge) grows with a locale's size, while
 * more locales only repeat the same work, and ten times every locale takes
 * about ten minutes a run on a quiet two-core machine.
 */
export async function bench(projectRoot: string, locales?: string[]): Promise<Record<string, number | string>> {
  const config = parse(await readFile(path.join(projectRoot, CONFIG_FILE), "utf8")) as { defaultLocale?: string };
  const codes = locales ?? (await kitLocales(projectRoot));
  const tenCodes = locales ?? [config.defaultLocale ?? codes[0]!];
  const work = await mkdtemp(path.join(os.tmpdir(), "talk-early-bench-"));
  const root = path.join(work, "kit");
  const out = path.join(work, "out");
  await copyKit(projectRoot, root, codes);
  const run = () => build({ root, outDir: out, reporter: silentReporter, locales: codes });
  const log = (line: string) => process.stdout.write(`${line}\n`);

  log(`Benchmarking locale(s) ${codes.join(", ")} (ten-times kit: ${tenCodes.join(", ")}) on ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, in ${work}`);
  // A first, unmeasured build warms the disk cache, fonts and browser binary
  // for everything after it, and gives the floor its pages. Floor and cold
  // build then run RUNS times each and keep their best: the same treatment
  // for both sides of each ratio on a noisy two-core machine.
  const warm = await build({ root, outDir: path.join(work, "warm"), reporter: silentReporter, locales: codes });
  const floors: number[] = [];
  for (let i = 0; i < RUNS; i++) floors.push(await printFloor(path.join(work, "warm"), warm));
  const floorMs = Math.min(...floors);
  log(`  floor (same pages, one tab, no pool, cache or post-steps): ${s(floorMs)} s (best of ${floors.map(s).join(", ")})`);

  const cold = await coldBuilds(root, out, codes);
  log(`  cold build: ${s(cold.value.ms)} s, ${cold.value.pdfs} PDFs, PDF phase ${s(cold.value.timings.pdf)} s (best of ${cold.all.map(s).join(", ")})`);
  const noop = await run();
  log(`  no-op rebuild: ${s(noop.ms)} s, ${noop.printed} PDFs printed`);

  const lessonFile = await childLesson(root, codes[0]!);
  await writeFile(lessonFile, `${await readFile(lessonFile, "utf8")}\nOne more sentence for the benchmark.\n`);
  const one = await run();
  const oneReprints = reprints(one, lessonFile);
  log(`  one-lesson rebuild (${path.basename(lessonFile)}): ${s(one.ms)} s, ${one.printed} PDFs rebuilt (${oneReprints.kinds}), ${one.parts} booklet parts printed`);
  for (const pdf of oneReprints.unexpected) log(`    not that lesson's, its band's cards or a booklet: ${pdf}`);

  // Like with like: the ten-times ratio is against a cold build of the same locales.
  const sameLocales = tenCodes.join() === codes.join();
  const baseRoot = path.join(work, "kit1");
  if (!sameLocales) await copyKit(projectRoot, baseRoot, tenCodes);
  const base = sameLocales ? cold : await coldBuilds(baseRoot, path.join(work, "out1"), tenCodes);
  if (!sameLocales) log(`  cold build of ${tenCodes.join(", ")}: ${base.value.pdfs} PDFs, PDF phase ${s(base.value.timings.pdf)} s (best of ${base.all.map(s).join(", ")})`);
  const bigRoot = path.join(work, "kit10");
  await copyKit(projectRoot, bigRoot, tenCodes);
  await multiplyKit(bigRoot, tenCodes, 10);
  const big = await coldBuilds(bigRoot, path.join(work, "out10"), tenCodes);
  log(`  ten-times kit: ${s(big.value.ms)} s, ${big.value.pdfs} PDFs (booklets in ${big.value.parts} parts), PDF phase ${s(big.value.timings.pdf)} s (best of ${big.all.map(s).join(", ")})`);

  const figures = {
    locales: codes.join(","),
    cores: os.availableParallelism(),
    cold_build_s: s(cold.value.ms),
    noop_rebuild_s: s(noop.ms),
    noop_printed: noop.printed,
    one_lesson_rebuild_s: s(one.ms),
    one_lesson_printed: one.printed,
    one_lesson_kinds: oneReprints.kinds,
    one_lesson_unexpected: oneReprints.unexpected.length,
    one_lesson_parts: one.parts,
    pdf_count: cold.value.pdfs,
    pdf_phase_s: s(cold.value.timings.pdf),
    pdf_floor_s: s(floorMs),
    pdf_floor_ratio: ratio(cold.value.timings.pdf, floorMs),
    noop_ratio: ratio(noop.ms, cold.value.ms),
    peak_rss_mb: Math.round(cold.peakMb),
    scale10_locales: tenCodes.join(","),
    scale10_base_pdf_count: base.value.pdfs,
    scale10_base_pdf_phase_s: s(base.value.timings.pdf),
    scale10_pdf_count: big.value.pdfs,
    scale10_pdf_phase_s: s(big.value.timings.pdf),
    scale10_pdf_ratio: ratio(big.value.timings.pdf, base.value.timings.pdf, 100),
    scale10_peak_rss_mb: Math.round(big.peakMb),
    dev_edit_to_reload_s: await measureEditToReload(projectRoot, codes),
  };
  const timings = { cold: phases(cold.value), scale10_base: phases(base.value), scale10: phases(big.value) };
  log(`  kit dev, lesson save to page reload: ${figures.dev_edit_to_reload_s} s`);
  const file = path.join(projectRoot, "output", "bench.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ ...figures, timings, load_after: os.loadavg()[0] }, null, 2)}\n`);

  // The issues' targets (#10 items 6-7, #12 "Speed").
  const targets: Record<string, string> = {
    pdf_floor_ratio: "≤ 1.00",
    noop_ratio: "≤ 0.08",
    one_lesson_unexpected: "0",
    scale10_pdf_ratio: "≤ 10.5",
    scale10_peak_rss_mb: "< 1536",
    dev_edit_to_reload_s: "≤ 1",
  };
  log("\n| figure | value | target |\n|---|---|---|");
  for (const [key, value] of Object.entries(figures)) log(`| ${key} | ${value} | ${targets[key] ?? ""} |`);
  // Stage by stage, so a phase that grows faster than the kit stands out.
  log(`\n| phase (s) | cold | ${tenCodes.join(",")} | ten-times | ratio |\n|---|---|---|---|---|`);
  for (const key of Object.keys(timings.cold)) {
    const [c, b, t] = [timings.cold[key]!, timings.scale10_base[key]!, timings.scale10[key]!];
    log(`| ${key} | ${c} | ${b} | ${t} | ${b > 0 ? ratio(t, b, 100) : ""} |`);
  }
  log(`\nWritten to ${path.relative(process.cwd(), file)}`);
  return figures;
}
