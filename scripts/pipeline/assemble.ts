// Stage 7: join builds of some locales each ("parts", made by
// `kit build --locale X --out parts/X`, say one per CI machine) into one
// output equal, file for file, to one build of the whole kit. That holds
// because a one-locale build models every locale (its pages link the
// others) and writes only what its own locale owns: pages, print pages,
// search index (one per locale, site/<locale>/pagefind), PDFs and zip. So
// joining is taking each part's own files and the shared ones (assets/),
// which must be the same in every part. Every build leaves a record
// (built.json) of what it was made from; parts whose records disagree
// (another kit version, base URL, date, browser) could not give what one
// build gives, and are refused before anything is written. The result is
// published all or nothing, as a build is (package.ts).
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KitError, type Problem } from "../core/problems.ts";
import { fault } from "../system/faults.ts";
import { lockOutput } from "../system/lock.ts";
import { CONFIG_FILE, LESSONS_DIR, REGIONS_DIR } from "./load.ts";
import { discard, linkFile, makeStaging, OUTPUT_PARTS, ownerOf, publish, recover } from "./package.ts";
import { consoleReporter, type Reporter } from "./report.ts";

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Beside site/, pdf/ and kits/ (not in them: the site stays what a build makes; not hidden, so CI artifacts keep it). */
export const RECORD_FILE = "built.json";

/** What one build was made from, and which locales it made. */
export interface BuildRecord {
  /** Hash of the kit's sources and of the tool that built them (kitVersion). */
  kit: string;
  /** Locales this build made (the output may hold others, carried from earlier builds). */
  locales: string[];
  /** Every locale of the kit, as the build modelled them. */
  allLocales: string[];
  defaultLocale: string;
  baseUrl: string | null;
  /** The build date (SOURCE_DATE_EPOCH, or the time it ran): it is printed on covers and zips. */
  date: string;
  siteOnly: boolean;
  /** The browser that printed the PDFs; null for a site-only build. */
  browser: string | null;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/**
 * One hash of everything a build's bytes come from: the kit's sources
 * (config, lessons, regions) and the tool (its code, templates and locked
 * packages). Two parts with the same hash were built from the same kit.
 */
export async function kitVersion(root: string): Promise<string> {
  const hash = createHash("sha256");
  const sources: [string, string][] = [
    [root, CONFIG_FILE],
    [root, LESSONS_DIR],
    [root, REGIONS_DIR],
    [TOOL_ROOT, "scripts"],
    [TOOL_ROOT, "templates"],
    [TOOL_ROOT, ".eleventy.js"],
    [TOOL_ROOT, "package-lock.json"],
  ];
  for (const [base, name] of sources) {
    const top = path.join(base, name);
    const isDir = await stat(top).then((s) => s.isDirectory(), () => false);
    const rels = isDir ? (await filesUnder(top)).map((r) => `${name}/${r}`) : [name];
    for (const rel of rels) hash.update(rel).update("\0").update(await readFile(path.join(base, rel)).catch(() => Buffer.from("missing"))).update("\0");
  }
  return hash.digest("hex");
}

/** Removed before publishing and written after, so a record never describes other files than those in place. */
export async function clearRecord(outDir: string): Promise<void> {
  await rm(path.join(outDir, RECORD_FILE), { force: true });
}

export async function writeRecord(outDir: string, record: BuildRecord): Promise<void> {
  const file = path.join(outDir, RECORD_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

async function readRecord(dir: string, problems: Problem[]): Promise<BuildRecord | undefined> {
  const file = path.join(dir, RECORD_FILE);
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) {
    problems.push({ file: dir, message: `no ${RECORD_FILE}: not the output of a finished \`kit build\` (build it with kit build --locale <code> --out ${dir})` });
    return undefined;
  }
  try {
    const record = JSON.parse(text) as BuildRecord;
    if (typeof record.kit === "string" && Array.isArray(record.locales) && Array.isArray(record.allLocales)) return record;
  } catch {
    // Reported below with the other kinds of wrong record.
  }
  problems.push({ file: path.join(dir, RECORD_FILE), message: "not a build record written by kit build: build this part again" });
  return undefined;
}

/** Fields every part must share, and what to do when one differs. */
const MUST_MATCH: { field: keyof BuildRecord; what: string; fix: string }[] = [
  { field: "kit", what: "another version of the kit (its lessons, regions, config or the tool differ)", fix: "build every part from the same commit" },
  { field: "allLocales", what: "a kit with other locales", fix: "build every part from the same commit" },
  { field: "defaultLocale", what: "another default locale", fix: "build every part from the same commit" },
  { field: "baseUrl", what: "another --base-url", fix: "build every part with the same --base-url" },
  { field: "date", what: "another build date", fix: "build every part with the same SOURCE_DATE_EPOCH (for example the commit's time)" },
  { field: "siteOnly", what: "a different --site-only setting", fix: "build every part the same way" },
  { field: "browser", what: "another browser build", fix: "print every part with the same Chromium" },
];

const show = (value: unknown) => (value === null ? "none" : Array.isArray(value) ? value.join(", ") : String(value));

/** Every reason the parts cannot make one whole build, each naming the folder it is about. */
function checkParts(parts: { dir: string; record: BuildRecord }[], baseUrl: string | undefined, problems: Problem[]): void {
  const [first] = parts;
  if (!first) return;
  for (const { dir, record } of parts.slice(1)) {
    for (const { field, what, fix } of MUST_MATCH) {
      if (JSON.stringify(record[field]) !== JSON.stringify(first.record[field])) {
        problems.push({ file: dir, field, message: `built from ${what} than ${first.dir} (${show(record[field])}, not ${show(first.record[field])}): ${fix}` });
      }
    }
  }
  if (baseUrl !== undefined) {
    for (const { dir, record } of parts.filter((p) => p.record.baseUrl !== baseUrl)) {
      problems.push({ file: dir, field: "baseUrl", message: `built with --base-url ${show(record.baseUrl)}, not ${baseUrl}: the QR codes and links would point elsewhere; build it with --base-url ${baseUrl}` });
    }
  }
  const builtBy = new Map<string, string>();
  for (const { dir, record } of parts) {
    for (const locale of record.locales) {
      const other = builtBy.get(locale);
      if (other !== undefined) problems.push({ file: dir, field: "locale", message: `${locale} is built in ${other} too: give each locale to one part only` });
      else builtBy.set(locale, dir);
    }
  }
  for (const locale of first.record.allLocales.filter((l) => !builtBy.has(l))) {
    problems.push({ file: first.dir, field: "locale", message: `no part holds ${locale}: build it with kit build --locale ${locale} --out <folder> and add that folder` });
  }
}

const sameBytes = async (a: string, b: string) => {
  const [x, y] = await Promise.all([readFile(a), readFile(b)]);
  return x.equals(y);
};

export interface AssembleResult {
  files: number;
  locales: string[];
  outDir: string;
}

/**
 * Joins the parts into `outDir` (site/, pdf/, kits/ and a record saying
 * every locale was built), all or nothing. Throws a KitError naming each
 * part that cannot be joined, before anything is written.
 */
export async function assemble(partDirs: readonly string[], outDir: string, options: { baseUrl?: string; reporter?: Reporter } = {}): Promise<AssembleResult> {
  const report = options.reporter ?? consoleReporter();
  const problems: Problem[] = [];
  const parts: { dir: string; record: BuildRecord }[] = [];
  for (const dir of partDirs) {
    const record = await readRecord(dir, problems);
    if (record) parts.push({ dir, record });
  }
  checkParts(parts, options.baseUrl, problems);
  if (problems.length || !parts.length) throw new KitError(problems);
  const { record } = parts[0]!;

  const out = path.resolve(outDir);
  await mkdir(out, { recursive: true });
  const lock = await lockOutput(out);
  try {
    const recovered = await recover(out);
    if (recovered) report.line(recovered);
    const staging = await makeStaging(out);
    try {
      const files = await joinInto(staging, parts, problems);
      if (problems.length) throw new KitError(problems);
      fault("assemble:joined");
      lock.check();
      await clearRecord(out);
      await publish(staging, out);
      fault("assemble:published");
      const locales = record.allLocales;
      await writeRecord(out, { ...record, locales });
      report.line(`Assembled ${locales.length} locale(s) from ${parts.length} part(s), ${files} files: ${path.relative(process.cwd(), out) || "."}/site, pdf, kits`);
      return { files, locales, outDir: out };
    } catch (error) {
      await discard(staging);
      throw error;
    }
  } finally {
    await lock.release();
  }
}

/**
 * Links each part's own files into staging, and the shared files (owned by
 * no locale) from the first part that has them; a shared file that differs
 * between parts is a problem, as one build has one copy of it.
 */
async function joinInto(staging: string, parts: { dir: string; record: BuildRecord }[], problems: Problem[]): Promise<number> {
  const { allLocales, defaultLocale } = parts[0]!.record;
  const shared = new Map<string, string>();
  let files = 0;
  for (const { dir, record } of parts) {
    for (const part of OUTPUT_PARTS) {
      for (const rel of await filesUnder(path.join(dir, part))) {
        const owner = ownerOf(part, rel, allLocales, defaultLocale);
        // Another locale's file was carried from an earlier build into this folder: its own part has the current one.
        if (owner !== undefined && !record.locales.includes(owner)) continue;
        const from = path.join(dir, part, rel);
        const key = `${part}/${rel}`;
        if (owner === undefined) {
          const first = shared.get(key);
          if (first !== undefined) {
            if (!(await sameBytes(first, from))) problems.push({ file: path.join(dir, key), message: `differs from ${first}: the parts were not built alike; build them again from the same commit` });
            continue;
          }
          shared.set(key, from);
        }
        await mkdir(path.dirname(path.join(staging, key)), { recursive: true });
        await linkFile(from, path.join(staging, key));
        files++;
      }
    }
  }
  return files;
}
