// The one module that knows where Chromium is and how to start it. Nothing
// in `npm ci` downloads a browser; if none is found here, this module
// installs one (Debian's package as root, else Chrome for Testing into
// Puppeteer's cache) or says exactly what to install.
import { execFile as execFileCb, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, open, realpath, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Browser as BrowserKind, computeExecutablePath, detectBrowserPlatform, getInstalledBrowsers, install as installBrowser, resolveBuildId } from "@puppeteer/browsers";
import puppeteer, { type Browser } from "puppeteer-core";
import { BrowserMissingError } from "../core/problems.ts";

const execFile = promisify(execFileCb);

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
  "No Chromium or Chrome found, and none could be installed. Install one and build again:\n" +
  "  Debian or Ubuntu:  sudo apt-get install --no-install-recommends chromium\n" +
  "  elsewhere:         npx @puppeteer/browsers install chrome@stable --path ~/.cache/puppeteer\n" +
  "or point PUPPETEER_EXECUTABLE_PATH at an installed Chrome or Chromium.";

/** Where apt's output goes: a set-up step should not fill the screen. */
export const APT_LOG = path.join(os.tmpdir(), "talk-early-apt-chromium.log");

/** apt-get with its output in APT_LOG (started afresh by the first call); throws when it fails. */
function aptGet(args: string[], append: boolean): void {
  const fd = openSync(APT_LOG, append ? "a" : "w");
  try {
    const run = spawnSync("apt-get", args, { stdio: ["ignore", fd, fd], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (run.error) throw run.error;
    if (run.status !== 0) throw new Error(`apt-get ${args.join(" ")} exited with ${run.status}`);
  } finally {
    closeSync(fd);
  }
}

async function install(log: (line: string) => void): Promise<string | undefined> {
  const isRoot = process.getuid?.() === 0;
  if (process.platform === "linux" && isDebianLike() && isRoot) {
    log(`No browser found: installing Debian's chromium with apt-get (its output goes to ${APT_LOG}) ...`);
    try {
      aptGet(["update", "-q"], false);
      aptGet(["install", "-y", "-q", "--no-install-recommends", "chromium"], true);
      return undefined;
    } catch (error) {
      return `apt-get failed (${error instanceof Error ? error.message : String(error)}); its output is in ${APT_LOG}.`;
    }
  }
  const platform = detectBrowserPlatform();
  if (!platform) return `Chrome for Testing has no build for ${process.platform}/${process.arch}.`;
  log(`No browser found: downloading Chrome for Testing into ${PUPPETEER_CACHE} ...`);
  try {
    const buildId = await resolveBuildId(BrowserKind.CHROME, platform, "stable");
    await installBrowser({ browser: BrowserKind.CHROME, buildId, platform, cacheDir: PUPPETEER_CACHE });
    return undefined;
  } catch (error) {
    return `Downloading Chrome for Testing failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Finds a browser, installing one if there is none; a BrowserMissingError saying what to install if that fails. */
export async function ensureChromium(log: (line: string) => void = console.log): Promise<Found> {
  const found = await findChromium();
  if (found) return found;
  const why = await install(log);
  const after = await findChromium();
  if (after) return after;
  throw new BrowserMissingError(why ? `${WHAT_TO_INSTALL}\n(${why})` : WHAT_TO_INSTALL);
}

/**
 * The program a launcher script runs. Debian's /usr/bin/chromium is a
 * shell script that sets LIBDIR and APPNAME and runs "$LIBDIR/$APPNAME"
 * (/usr/lib/chromium/chromium); Google's google-chrome runs "$HERE/chrome".
 * Its simple assignments are substituted, and the first executable it
 * names whose name looks like a browser is taken.
 */
async function scriptTarget(script: string): Promise<string | undefined> {
  const text = readFileSync(script, "utf8");
  const vars = new Map<string, string>([["HERE", path.dirname(script)]]);
  for (const m of text.matchAll(/^\s*(?:export\s+)?([A-Za-z_]\w*)=("?)([^"\s`$]*(?:\$\{?\w+\}?[^"\s`$]*)*)\2\s*$/gm)) {
    vars.set(m[1]!, m[3]!.replace(/\$\{?(\w+)\}?/g, (_all, name: string) => vars.get(name) ?? ""));
  }
  const expanded = text.replace(/\$\{?(\w+)\}?/g, (all, name: string) => vars.get(name) ?? all);
  for (const m of expanded.matchAll(/(\/[\w.+\-\/]*\/(?:chromium|chromium-browser|chrome|google-chrome)[\w.\-]*)(?=["'\s]|$)/gm)) {
    const candidate = m[1]!;
    if (candidate === script) continue;
    const head = await readHead(candidate);
    if (head?.startsWith("\x7fELF") || head?.startsWith("\xcf\xfa\xed\xfe") || head?.startsWith("MZ")) return candidate;
  }
  return undefined;
}

async function readHead(file: string): Promise<string | undefined> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(4);
    await handle.read(buffer, 0, 4, 0);
    return buffer.toString("latin1");
  } catch {
    return undefined; // a folder, or unreadable
  } finally {
    await handle.close();
  }
}

/** The package that installed a file and its version ("chromium 156.0.8078.114-1~deb12u1"), where dpkg knows it. */
async function packageVersion(file: string): Promise<string | undefined> {
  try {
    const owner = (await execFile("dpkg-query", ["-S", file])).stdout.split(":")[0]!.trim();
    const version = (await execFile("dpkg-query", ["-W", "-f", "${Version}", owner])).stdout.trim();
    return `${owner} ${version}`;
  } catch {
    return undefined;
  }
}

/**
 * Identifies the browser build without starting it, for the PDF cache key:
 * the real program behind symlinks and launcher scripts, its size and
 * date, and its package version where dpkg knows it. A launcher script's
 * own size says nothing about which Chromium it runs.
 */
export async function browserId(found?: Found): Promise<string> {
  const at = found ?? (await findChromium());
  if (!at) return "none";
  let binary = await realpath(at.path);
  if ((await readHead(binary))?.startsWith("#!")) binary = (await scriptTarget(binary)) ?? binary;
  binary = await realpath(binary);
  const info = await stat(binary);
  const pkg = await packageVersion(binary);
  return [binary, info.size, info.mtimeMs, pkg ?? "no package"].join(" | ");
}

export interface RunningBrowser {
  browser: Browser;
  found: Found;
  close(): Promise<void>;
}

/**
 * One browser for a whole build; its profile is thrown away afterwards.
 * `ownSignals`: the caller closes it on Ctrl-C itself (kit dev), so Puppeteer
 * must not kill it and exit the process first.
 */
export async function launchBrowser(log?: (line: string) => void, options: { ownSignals?: boolean } = {}): Promise<RunningBrowser> {
  const found = await ensureChromium(log);
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "talk-early-chromium-"));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({ executablePath: found.path, headless: true, args: CHROMIUM_FLAGS, userDataDir, protocolTimeout: 120_000, ...(options.ownSignals ? { handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false } : {}) });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    // A browser that will not start is as good as none: say which one, and what to do.
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new BrowserMissingError(`The browser at ${found.path} (${found.via}) would not start: ${why}\n${WHAT_TO_INSTALL.replace(/^.*\n/, "Install a working one and build again:\n")}`);
  }
  return {
    browser,
    found,
    async close() {
      await browser.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
