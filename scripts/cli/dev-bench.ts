// The figure `npm run bench` reports for `kit dev`: from saving a lesson to
// the open page showing the new text, in a real browser, on a copy of the
// kit (so the kit itself is never edited).
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { launchBrowser } from "../system/browser.ts";
import { CONFIG_FILE, LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";
import { startDev } from "./dev.ts";

/** Median seconds from a lesson save to the open page showing it, over `tries` saves. */
export async function measureEditToReload(root: string, locales?: string[], tries = 5): Promise<number> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kit-dev-bench-"));
  for (const part of [CONFIG_FILE, LESSONS_DIR, REGIONS_DIR]) await cp(path.join(root, part), path.join(work, part), { recursive: true });
  // lessons/ also holds files (LICENSE): the first locale is the first folder.
  const code = locales?.[0] ?? (await readdir(path.join(work, LESSONS_DIR), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()[0]!;
  const id = (await readdir(path.join(work, LESSONS_DIR, code))).filter((n) => n.endsWith(".md")).sort()[0]!.replace(/\.md$/, "");
  const file = path.join(work, LESSONS_DIR, code, `${id}.md`);
  const server = await startDev({ root: work, port: 0, locales, log: () => undefined });
  const running = await launchBrowser();
  try {
    const page = await running.browser.newPage();
    await page.goto(`${server.url}${code}/lessons/${id}.html`, { waitUntil: "load" });
    const times: number[] = [];
    for (let i = 0; i < tries; i++) {
      const marker = `Benchmark sentence number ${i + 1}.`;
      const text = await readFile(file, "utf8");
      const started = performance.now();
      await writeFile(file, `${text}\n${marker}\n`);
      await page.waitForFunction((m) => document.body.innerText.includes(m), { timeout: 60_000, polling: 20 }, marker);
      times.push(performance.now() - started);
      // Let the background printing and search index of this save settle before the next one.
      await new Promise((r) => setTimeout(r, 1500));
    }
    times.sort((a, b) => a - b);
    return Math.round(times[Math.floor(times.length / 2)]!) / 1000;
  } finally {
    await running.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}
