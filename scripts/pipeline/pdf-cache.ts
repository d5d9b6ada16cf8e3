// The PDF cache: a finished PDF is reused only when everything it is made
// from is the same. That is its print page and the files the page loads
// (stylesheets, fonts, images), the settings it is printed with (paper,
// metadata, booklet numbering), the printing code, the versions of the
// libraries that print and stamp it, the Chromium flags and the browser
// build. Entries are content-addressed: `<key>.pdf` and `<key>.pages`.
import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fault } from "../system/faults.ts";
import { fileURLToPath } from "node:url";
import { CHROMIUM_FLAGS } from "../system/browser.ts";

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCRIPTS = path.join(TOOL_ROOT, "scripts");

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
};

// --- The printing code and its libraries -----------------------------------

/**
 * Relative imports that carry code (not `import type`), read with a regular
 * expression: our own sources follow one import style, and the TypeScript
 * compiler is only a development dependency.
 */
function importsOf(source: string): { local: string[]; packages: string[] } {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^;"'`]*?\bfrom\s*["']([^"']+)["']/g)) {
    if (!m[1]) specifiers.push(m[2]!);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) specifiers.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1]!);
  const local = specifiers.filter((s) => s.startsWith("."));
  const packages = specifiers
    .filter((s) => !s.startsWith(".") && !s.startsWith("node:"))
    .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!));
  return { local, packages };
}

/** Packages that print or stamp PDFs even where our code imports only their types. */
const PRINTING_PACKAGES = ["puppeteer-core", "pdf-lib"];

/**
 * The source of the modules that print and stamp PDFs (this stage, the
 * byte-level PDF code, and everything they import, followed to the end),
 * and the packages they import.
 */
async function printingSources(): Promise<{ files: Map<string, string>; packages: Set<string> }> {
  const pdfDir = path.join(SCRIPTS, "pdf");
  const start = [path.join(SCRIPTS, "pipeline", "render-pdf.ts"), ...(await readdir(pdfDir)).filter((n) => n.endsWith(".ts")).map((n) => path.join(pdfDir, n))];
  const files = new Map<string, string>();
  const packages = new Set(PRINTING_PACKAGES);
  const queue = [...start];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    const source = await readFile(file, "utf8");
    files.set(file, source);
    const { local, packages: used } = importsOf(source);
    for (const spec of local) queue.push(path.resolve(path.dirname(file), spec));
    for (const name of used) packages.add(name);
  }
  return { files, packages };
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Where npm put `name` for the package at `from` (node_modules/a/node_modules/b, nearest first). */
function resolveInLock(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut === -1 ? "" : dir.slice(0, cut);
  }
}

/** `name@version` of each package and of everything it depends on, from the lockfile. */
async function lockedVersions(names: Iterable<string>): Promise<string[]> {
  const lockFile = path.join(TOOL_ROOT, "package-lock.json");
  const lock = (JSON.parse(await readFile(lockFile, "utf8").catch(() => "{}")) as { packages?: Record<string, LockEntry> }).packages;
  const seen = new Set<string>();
  const queue = [...names].map((name) => ({ name, from: "" }));
  while (queue.length) {
    const { name, from } = queue.pop()!;
    const at = lock ? resolveInLock(lock, from, name) : undefined;
    if (!at) {
      // No lockfile entry (a copy without package-lock.json): the installed version still counts.
      const installed = await readFile(path.join(TOOL_ROOT, "node_modules", name, "package.json"), "utf8").catch(() => '{"version":"missing"}');
      seen.add(`${name}@${(JSON.parse(installed) as { version?: string }).version}`);
      continue;
    }
    const entry = lock![at]!;
    const id = `${at}@${entry.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) queue.push({ name: dep, from: at });
  }
  return [...seen].sort();
}

/** What the fingerprint is made of: source files (relative to the tool) and locked packages. */
export async function printingInputs(): Promise<{ files: string[]; packages: string[] }> {
  const { files, packages } = await printingSources();
  return { files: [...files.keys()].map((f) => path.relative(TOOL_ROOT, f)).sort(), packages: await lockedVersions(packages) };
}

let fingerprint: Promise<string> | undefined;

/**
 * One hash of the printing code, the locked versions of what prints and
 * the Chromium flags, worked out when the build runs: editing any of them
 * reprints every PDF, with no version number to remember to bump.
 */
export function printCodeFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const { files, packages } = await printingSources();
    const sources = [...files].sort(([a], [b]) => a.localeCompare(b)).flatMap(([file, text]) => [path.relative(TOOL_ROOT, file), text]);
    return sha256(...sources, ...(await lockedVersions(packages)), ...CHROMIUM_FLAGS);
  })();
  return fingerprint;
}

// --- A page and the files it loads -----------------------------------------

/** Files a page or stylesheet loads: `<link href>`, `src`, CSS `url()` and `@import`. */
function referencesIn(text: string, css: boolean): string[] {
  const refs: string[] = [];
  if (!css) {
    for (const tag of text.matchAll(/<link\b[^>]*>/gi)) {
      const href = /\bhref\s*=\s*["']([^"']+)["']/i.exec(tag[0]);
      if (href) refs.push(href[1]!);
    }
    for (const m of text.matchAll(/\b(?:src|data)\s*=\s*["']([^"']+)["']/gi)) refs.push(m[1]!);
  }
  for (const m of text.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)/gi)) refs.push((m[1] ?? m[2] ?? m[3])!);
  if (css) for (const m of text.matchAll(/@import\s+["']([^"']+)["']/gi)) refs.push(m[1]!);
  return refs
    .filter((ref) => !/^(?:[a-z][a-z0-9+.-]*:|#|\/\/)/i.test(ref))
    .map((ref) => decodeURIComponent(ref.replace(/[?#].*$/, "")))
    .filter((ref) => ref !== "");
}

/** Per build: each file's hash and each page's or stylesheet's references, read once. */
export class AssetHasher {
  private readonly hashes = new Map<string, Promise<string>>();
  private readonly refs = new Map<string, Promise<string[]>>();

  constructor(private readonly siteDir: string) {}

  private hash(file: string): Promise<string> {
    let hash = this.hashes.get(file);
    if (!hash) {
      // A file that is missing now may exist next time: that must change the key.
      hash = readFile(file).then((bytes) => sha256(bytes), () => "missing");
      this.hashes.set(file, hash);
    }
    return hash;
  }

  private references(file: string): Promise<string[]> {
    let refs = this.refs.get(file);
    if (!refs) {
      const css = file.endsWith(".css");
      refs = css || file.endsWith(".html")
        ? readFile(file, "utf8").then((text) => referencesIn(text, css).map((ref) => path.resolve(path.dirname(file), ref)), () => [])
        : Promise.resolve([]);
      this.refs.set(file, refs);
    }
    return refs;
  }

  /** The page and every file it loads, followed through stylesheets, as absolute paths. */
  async files(html: string): Promise<Set<string>> {
    const all = new Set<string>();
    const queue = [path.join(this.siteDir, html)];
    while (queue.length) {
      const file = queue.pop()!;
      if (all.has(file)) continue;
      all.add(file);
      queue.push(...(await this.references(file)));
    }
    return all;
  }

  /** The page and every file it loads, each by its path in the site and its content. */
  async digest(html: string): Promise<string> {
    const files = [...(await this.files(html))].sort();
    const parts = await Promise.all(files.map(async (file) => [path.relative(this.siteDir, file), await this.hash(file)]));
    return sha256(...parts.flat());
  }
}

/** Shared by every PDF of a build: who printed it, with what, and its metadata. */
export function sharedKey(inputs: { code: string; browser: string; author: string; subject: string; dated: string }): string {
  return sha256(JSON.stringify(inputs));
}

/** One PDF's key: the shared part, the page with its files, and its own settings. */
export async function pageKey(assets: AssetHasher, shared: string, html: string, settings: unknown): Promise<string> {
  return sha256(shared, JSON.stringify(settings), await assets.digest(html));
}

export function combinedKey(shared: string, settings: unknown, parts: readonly string[]): string {
  return sha256(shared, JSON.stringify(settings), ...parts);
}

// --- The store -------------------------------------------------------------

/**
 * Puts a cached PDF in place: a hard link when the file system allows it,
 * else a copy. Its page count, or undefined when there is no whole entry.
 */
export async function fromCache(cacheDir: string, key: string, file: string): Promise<number | undefined> {
  const pages = Number(await readFile(path.join(cacheDir, `${key}.pages`), "utf8").catch(() => ""));
  if (!Number.isInteger(pages) || pages < 1) return undefined;
  const cached = path.join(cacheDir, `${key}.pdf`);
  try {
    await link(cached, file);
  } catch {
    // Across file systems (EXDEV), on a file system without links, or past
    // a link limit: the entry is still good, so copy it.
    try {
      await copyFile(cached, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }
  return pages;
}

/**
 * Written under a temporary name and renamed, so a crash never leaves half
 * a PDF in the cache; the page count goes last, as it marks the entry whole.
 * The PDF is hard-linked where it can be, as fromCache links it back: a
 * copy wrote every printed byte twice, which the ten-times kit's bench
 * showed growing faster than the kit (disk write-back). Nothing writes a
 * finished PDF in place, so sharing the file is safe.
 */
export async function storeInCache(file: string, pages: number, cacheDir: string, key: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.${key}.${process.pid}.tmp`);
  await rm(tmp, { force: true }); // left by a build that was killed here
  await link(file, tmp).catch(() => copyFile(file, tmp));
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
