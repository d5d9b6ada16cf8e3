// `kit dev` as a kit builder runs it: a real process on a free loopback
// port, a real browser on the page, real saves of the lesson file. The page
// must change by itself (live reload), show a broken save's problem with
// file and line, recover on the next good save, and the server must stop
// cleanly on Ctrl-C, browser included, never touching output/.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "puppeteer-core";
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";
import { fixtureKit, LESSON, PROJECT } from "./helpers.ts";

let kitDir: string;
let child: ChildProcess;
let output = "";
let url = "";
let running: RunningBrowser;

/** The process and its children, recursively (the preview's Chromium among them). */
function descendants(pid: number): number[] {
  const out = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" });
  const pairs = out.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (p: number) => pairs.filter(([, ppid]) => ppid === p).forEach(([c]) => (found.push(c), walk(c)));
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the server said:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  kitDir = await fixtureKit();
  child = spawn("node", [path.join(PROJECT, "bin/kit.js"), "dev", "--root", kitDir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await waitFor(() => /Preview: (http:\/\/127\.0\.0\.1:\d+\/)/.test(output), 30_000, "the preview to start");
  url = /Preview: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)![1]!;
  running = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await running?.close();
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

describe("kit dev", () => {
  it("listens on 127.0.0.1 only", async () => {
    const port = Number(new URL(url).port);
    const outside = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    // Without another interface, the socket table says which address it is bound to.
    const listening = execFileSync("ss", ["-ltnH"], { encoding: "utf8" }).split("\n").filter((l) => l.includes(`:${port} `));
    expect(listening.length).toBeGreaterThan(0);
    for (const line of listening) expect(line).toContain(`127.0.0.1:${port}`);
    if (outside) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, outside);
        socket.once("connect", () => (socket.destroy(), resolve(false)));
        socket.once("error", () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it("reloads the open page on a save, shows a broken save's problem with file and line, and recovers", async () => {
    const page: Page = await running.browser.newPage();
    const lessonUrl = `${url}en-XX/lessons/11-13-fixture-lesson.html`;
    await page.goto(lessonUrl, { waitUntil: "load" });
    const file = path.join(kitDir, LESSON);
    const good = await readFile(file, "utf8");
    expect(await page.evaluate(() => document.body.innerText)).not.toContain("A sentence saved just now.");
    // A flag on the window is lost on reload: it shows the page reloaded itself.
    await page.evaluate(() => ((window as unknown as { before: boolean }).before = true));
    await writeFile(file, good.replace("## Opening\n", "## Opening\n\nA sentence saved just now.\n"));
    await page.waitForFunction(() => document.body.innerText.includes("A sentence saved just now."), { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { before?: boolean }).before)).toBeUndefined();

    // An unclosed block: the notice names the file and the line.
    const broken = good.replace("::: message dont-pay\nDo not pay and do not send more.\n:::\n", "::: message dont-pay\nDo not pay and do not send more.\n");
    expect(broken).not.toBe(good);
    await writeFile(file, broken);
    const notice = await page.waitForSelector("#kit-dev-notice", { timeout: 15_000 });
    const text = await notice!.evaluate((e) => e.textContent ?? "");
    expect(text).toMatch(/lessons\/en-XX\/11-13-fixture-lesson\.md:\d+/);
    expect(output).toContain("lessons/en-XX/11-13-fixture-lesson.md");
    expect(child.exitCode).toBeNull();

    // The next good save brings the page back, with its new text and no notice.
    await writeFile(file, good.replace("## Opening\n", "## Opening\n\nFixed and saved again.\n"));
    await page.waitForFunction(() => document.body.innerText.includes("Fixed and saved again.") && !document.getElementById("kit-dev-notice"), { timeout: 15_000 });

    // The lesson's handouts are printed again in the background, then linked.
    await page.waitForSelector('a[href$="11-13-fixture-lesson-plan-a4.pdf"]', { timeout: 40_000 });
    const pdf = await page.evaluate(async () => {
      const a = document.querySelector<HTMLAnchorElement>('a[href$="11-13-fixture-lesson-plan-a4.pdf"]')!;
      const res = await fetch(a.href);
      return { status: res.status, head: new TextDecoder().decode((await res.arrayBuffer()).slice(0, 5)) };
    });
    expect(pdf).toEqual({ status: 200, head: "%PDF-" });
    // Printing them redraws the pages that link them, and nothing more: the preview settles
    // (a print that counted as a change would print again, and never be idle).
    const settled = await fetch(`${url}__kit-dev/idle`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.text());
    expect(settled).toBe("idle");
    await page.close();
  }, 90_000);

  it("answers a word typed into the preview's search box, after the index catches up", async () => {
    const page: Page = await running.browser.newPage();
    // The index is built in the background after start and after each save: ask again until it answers.
    let links: string[] = [];
    for (const started = Date.now(); !links.length && Date.now() - started < 45_000; ) {
      await page.goto(`${url}en-XX/search.html`, { waitUntil: "load" });
      const input = await page.waitForSelector("#search input[type=text], #search input[type=search]", { visible: true, timeout: 10_000 });
      await input!.type("fixture", { delay: 20 });
      links = await page
        .waitForFunction(
          () => {
            const found = [...document.querySelectorAll<HTMLAnchorElement>("#search .pagefind-ui__result-link")].map((a) => a.href);
            return found.length ? found : false;
          },
          { timeout: 5_000 },
        )
        .then((handle) => handle.jsonValue() as Promise<string[]>)
        .catch(() => []);
    }
    expect(links.some((href) => href.startsWith(`${url}en-XX/lessons/11-13-fixture-lesson.html`))).toBe(true);
    await page.close();
  }, 60_000);

  it("stops on Ctrl-C with exit 0 and no browser left, and never made output/", async () => {
    const pid = child.pid!;
    const chromium = descendants(pid).filter((p) => {
      // A helper process may end between the listing and this look (ps then exits 1): not a browser left.
      try {
        return /chrom/i.test(execFileSync("ps", ["-o", "comm=", "-p", String(p)], { encoding: "utf8" }));
      } catch {
        return false;
      }
    });
    // The preview printed handouts above, so its browser is running.
    expect(chromium.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    await waitFor(() => chromium.every((p) => !alive(p)), 5_000, "the preview's Chromium to end");
    expect(existsSync(path.join(kitDir, "output"))).toBe(false);
  }, 30_000);
});
