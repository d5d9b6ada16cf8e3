// `kit bench`: how fast the build is, measured, not guessed. Every figure
// is a ratio against a baseline measured in the same run on the same
// machine, because absolute seconds on a shared 2-core machine are noise.
import { measureEditToReload } from "./dev-bench.ts";
import { readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { launchBrowser } from "../system/browser.ts";
import { parse } from "yaml";
import { build, type BuildResult } from "../pipeline/build.ts";
import { CONFIG_FILE, LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";
import { silentReporter } from "../pipeline/report.ts";

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

async function copyKit(from: string, to: string, locales: string[]): Promise<void> {
  await mkdir(path.join(to, LESSONS_DIR), { recursive: true });
  await cp(path.join(from, CONFIG_FILE), path.join(to, CONFIG_FILE));
  await cp(path.join(from, REGIONS_DIR), path.join(to, REGIONS_DIR), { recursive: true });
  for (const code of locales) await cp(path.join(from, LESSONS_DIR, code), path.join(to, LESSONS_DIR, code), { recursive: true });
}

/** Ten lessons for every one: same text, new ids and orders, so ten times the handouts. */
async function multiplyKit(root: string, locales: string[], factor: number): Promise<void> {
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

/** The benchmark as one script, step after step, so its figures read in the order they are measured (about 80 lines). */
export async function bench(projectRoot: string, locales?: string[]): Promise<Record<string, number | string>> {
  // Only the benchmarked locales are copied and checked: a draft elsewhere does not stop a measurement.
  const config = parse(await readFile(path.join(projectRoot, CONFIG_FILE), "utf8")) as { defaultLocale?: string };
  const codes = locales ?? [config.defaultLocale ?? "en-MY"];
  const work = await mkdtemp(path.join(os.tmpdir(), "talk-early-bench-"));
  const root = path.join(work, "kit");
  const out = path.join(work, "out");
  await copyKit(projectRoot, root, codes);
  const run = () => build({ root, outDir: out, reporter: silentReporter, locales: codes });
  const log = (line: string) => process.stdout.write(`${line}\n`);

  log(`Benchmarking locale(s) ${codes.join(", ")} on ${os.availableParallelism()} cores, in ${work}`);
  // A first, unmeasured build warms the disk cache, fonts and browser binary
  // for everything after it, and gives the floor its pages. Floor and cold
  // build then run twice each and keep their best: the same treatment for
  // both sides of the ratio on a noisy two-core machine.
  const warm = await build({ root, outDir: path.join(work, "warm"), reporter: silentReporter, locales: codes });
  const floors = [await printFloor(path.join(work, "warm"), warm), await printFloor(path.join(work, "warm"), warm)];
  const floorMs = Math.min(...floors);
  log(`  floor (same pages, one tab, no pool, cache or post-steps): ${s(floorMs)} s (best of ${floors.map(s).join(", ")})`);

  const colds = [];
  for (let i = 0; i < 2; i++) {
    await rm(out, { recursive: true, force: true });
    colds.push(await withPeak(run));
  }
  const cold = colds.reduce((a, b) => (b.value.timings.pdf < a.value.timings.pdf ? b : a));
  cold.peakMb = Math.max(...colds.map((c) => c.peakMb));
  log(`  cold build: ${s(cold.value.ms)} s, ${cold.value.pdfs} PDFs, PDF phase ${s(cold.value.timings.pdf)} s (best of ${colds.map((c) => s(c.value.timings.pdf)).join(", ")})`);
  const noop = await run();
  log(`  no-op rebuild: ${s(noop.ms)} s, ${noop.printed} PDFs printed`);

  const first = (await readdir(path.join(root, LESSONS_DIR, codes[0]!))).filter((n) => n.endsWith(".md")).sort()[0]!;
  const lessonFile = path.join(root, LESSONS_DIR, codes[0]!, first);
  await writeFile(lessonFile, `${await readFile(lessonFile, "utf8")}\nOne more sentence for the benchmark.\n`);
  const one = await run();
  log(`  one-lesson rebuild (${first}): ${s(one.ms)} s, ${one.printed} PDFs rebuilt, ${one.parts} booklet parts printed`);

  const bigRoot = path.join(work, "kit10");
  const bigOut = path.join(work, "out10");
  await copyKit(projectRoot, bigRoot, codes);
  await multiplyKit(bigRoot, codes, 10);
  const big = await withPeak(() => build({ root: bigRoot, outDir: bigOut, reporter: silentReporter, locales: codes }));
  log(`  ten-times kit: ${s(big.value.ms)} s, ${big.value.pdfs} PDFs (booklets in ${big.value.parts} parts), PDF phase ${s(big.value.timings.pdf)} s`);

  const figures = {
    locales: codes.join(","),
    cores: os.availableParallelism(),
    cold_build_s: s(cold.value.ms),
    noop_rebuild_s: s(noop.ms),
    one_lesson_rebuild_s: s(one.ms),
    one_lesson_printed: one.printed,
    one_lesson_parts: one.parts,
    pdf_count: cold.value.pdfs,
    pdf_phase_s: s(cold.value.timings.pdf),
    pdf_floor_s: s(floorMs),
    pdf_floor_ratio: Math.round((cold.value.timings.pdf / floorMs) * 1000) / 1000,
    noop_ratio: Math.round((noop.ms / cold.value.ms) * 1000) / 1000,
    peak_rss_mb: Math.round(cold.peakMb),
    scale10_pdf_count: big.value.pdfs,
    scale10_pdf_phase_s: s(big.value.timings.pdf),
    scale10_pdf_ratio: Math.round((big.value.timings.pdf / cold.value.timings.pdf) * 100) / 100,
    scale10_peak_rss_mb: Math.round(big.peakMb),
    dev_edit_to_reload_s: await measureEditToReload(projectRoot, codes),
  };
  log(`  kit dev, lesson save to page reload: ${figures.dev_edit_to_reload_s} s`);
  const file = path.join(projectRoot, "output", "bench.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);

  const targets: Record<string, string> = {
    pdf_floor_ratio: "≤ 1.15",
    noop_ratio: "≤ 0.10",
    scale10_pdf_ratio: "≤ 10.5",
    scale10_peak_rss_mb: "< 1536",
    dev_edit_to_reload_s: "≤ 1",
  };
  log("\n| figure | value | target |\n|---|---|---|");
  for (const [key, value] of Object.entries(figures)) log(`| ${key} | ${value} | ${targets[key] ?? ""} |`);
  log(`\nWritten to ${path.relative(process.cwd(), file)}`);
  return figures;
}
