// The figure `npm run bench` reports for `kit dev`: from saving a lesson to
// the open page showing the new text, in a real browser, on a copy of the
// kit (so the kit itself is never edited). The preview runs as its own
// process, as a kit builder runs it: in this one, the browser's messages
// would wait behind the server's work and the figure would time both.
import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../system/browser.ts";
import { CONFIG_FILE, LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";

const KIT_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "kit.js");

/** Median seconds from a lesson save to the open page showing it, over `tries` saves. */
export async function measureEditToReload(root: string, locales?: string[], tries = 5): Promise<number> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kit-dev-bench-"));
  for (const part of [CONFIG_FILE, LESSONS_DIR, REGIONS_DIR]) await cp(path.join(root, part), path.join(work, part), { recursive: true });
  // lessons/ also holds files (LICENSE): the first locale is the first folder.
  const code = locales?.[0] ?? (await readdir(path.join(work, LESSONS_DIR), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()[0]!;
  const id = (await readdir(path.join(work, LESSONS_DIR, code))).filter((n) => n.endsWith(".md")).sort()[0]!.replace(/\.md$/, "");
  const file = path.join(work, LESSONS_DIR, code, `${id}.md`);
  const args = [KIT_BIN, "dev", "--root", work, "--port", "0", ...(locales ?? []).flatMap((l) => ["--locale", l])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let said = "";
  child.stdout.on("data", (d) => (said += d));
  child.stderr.on("data", (d) => (said += d));
  const running = await launchBrowser();
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const look = setInterval(() => {
        const found = /Preview: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(said);
        if (found) resolve(found[1]!);
        else if (child.exitCode !== null) reject(new Error(`kit dev stopped:\n${said}`));
        else return;
        clearInterval(look);
      }, 50);
    });
    const page = await running.browser.newPage();
    await page.goto(`${url}${code}/lessons/${id}.html`, { waitUntil: "load" });
    const times: number[] = [];
    for (let i = 0; i < tries; i++) {
      // Each save is timed once the last one's work (its print pages, PDFs and search index) is
      // done, as when a person reads the page before saving again.
      await fetch(`${url}__kit-dev/idle`).then((r) => r.text());
      const marker = `Benchmark sentence number ${i + 1}.`;
      const text = await readFile(file, "utf8");
      const started = performance.now();
      await writeFile(file, `${text}\n${marker}\n`);
      await page.waitForFunction((m) => document.body.innerText.includes(m), { timeout: 60_000, polling: 20 }, marker);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return Math.round(times[Math.floor(times.length / 2)]!) / 1000;
  } finally {
    await running.close();
    child.kill("SIGINT");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    await rm(work, { recursive: true, force: true });
  }
}
