// The one module that knows where Chromium is and how to start it. Nothing
// in `npm ci` downloads a browser; if none is found here, this module
// installs one the way `playwright install --with-deps` does, or says
// exactly what to install.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Browser as BrowserKind, computeExecutablePath, getInstalledBrowsers } from "@puppeteer/browsers";
import puppeteer, { type Browser } from "puppeteer-core";
import { KitError } from "../core/problems.ts";

/** Flags that work on a locked-down machine with no network but the registries. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
  "--font-render-hinting=none",
];

const USUAL_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
  "/snap/bin/chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
];

const PUPPETEER_CACHE = path.join(os.homedir(), ".cache", "puppeteer");

export interface Found {
  path: string;
  /** Where it was found, for the build summary. */
  via: string;
}

async function fromPuppeteerCache(): Promise<Found | undefined> {
  const installed = await getInstalledBrowsers({ cacheDir: PUPPETEER_CACHE }).catch(() => []);
  for (const b of installed) {
    if (b.browser !== BrowserKind.CHROME && b.browser !== BrowserKind.CHROMIUM) continue;
    const exe = computeExecutablePath({ cacheDir: PUPPETEER_CACHE, browser: b.browser, buildId: b.buildId });
    if (existsSync(exe)) return { path: exe, via: "Puppeteer's cache" };
  }
  return undefined;
}

/** Looks in the environment, then the usual paths, then Puppeteer's cache. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<Found | undefined> {
  for (const name of ["PUPPETEER_EXECUTABLE_PATH", "CHROME_PATH"] as const) {
    const value = env[name];
    if (value && existsSync(value)) return { path: value, via: name };
  }
  const usual = USUAL_PATHS.find((p) => existsSync(p));
  if (usual) return { path: usual, via: "system" };
  return fromPuppeteerCache();
}

function isDebianLike(): boolean {
  try {
    return /(^|\n)ID(_LIKE)?=.*(debian|ubuntu)/.test(readFileSync("/etc/os-release", "utf8"));
  } catch {
    return false;
  }
}

const WHAT_TO_INSTALL =
  "No Chromium or Chrome found. Install one and build again:\n" +
  "  Debian or Ubuntu:  sudo apt-get install chromium\n" +
  "  elsewhere:         npx @puppeteer/browsers install chrome@stable --path ~/.cache/puppeteer\n" +
  "or point PUPPETEER_EXECUTABLE_PATH at an installed Chrome or Chromium.";

function install(log: (line: string) => void): void {
  const isRoot = process.getuid?.() === 0;
  if (process.platform === "linux" && isDebianLike() && isRoot) {
    log("No browser found: installing Debian's chromium with apt-get ...");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } else {
    log("No browser found: installing Chrome for Testing into Puppeteer's cache ...");
    execFileSync("npx", ["--yes", "@puppeteer/browsers", "install", "chrome@stable", "--path", PUPPETEER_CACHE], { stdio: "inherit" });
  }
}

/** Finds a browser, installing one if there is none; a clear error if that fails. */
export async function ensureChromium(log: (line: string) => void = console.log): Promise<Found> {
  const found = await findChromium();
  if (found) return found;
  try {
    install(log);
  } catch {
    // The message below says what to do; the installer's own output is above it.
  }
  const after = await findChromium();
  if (after) return after;
  throw new KitError([{ file: "browser", message: WHAT_TO_INSTALL }]);
}

/** Identifies the browser build without starting it, for the PDF cache key. */
export async function browserId(): Promise<string> {
  const found = await findChromium();
  if (!found) return "none";
  const info = await stat(found.path);
  return `${found.path}:${info.size}:${info.mtimeMs}`;
}

export interface RunningBrowser {
  browser: Browser;
  found: Found;
  close(): Promise<void>;
}

/** One browser for a whole build; its profile is thrown away afterwards. */
export async function launchBrowser(log?: (line: string) => void): Promise<RunningBrowser> {
  const found = await ensureChromium(log);
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "talk-early-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: found.path,
    headless: true,
    args: CHROMIUM_FLAGS,
    userDataDir,
    protocolTimeout: 120_000,
  });
  return {
    browser,
    found,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
