// Stage 6b: one zip per locale (output/kits/<locale>.zip): that locale's
// pages, handouts and the shared assets, to hand to a school with no
// internet. Entries are sorted and dated from the build date, so the same
// sources give the same bytes in any time zone; a zip whose content did
// not change is linked from the cache, not written again.
import { createHash } from "node:crypto";
import { copyFile, link, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync, type Zippable } from "fflate";
import { BOOKLET } from "../core/handouts.ts";
import { fault } from "../system/faults.ts";
import { rewriteOfflineLinks } from "./offline-links.ts";

export interface BundleOptions {
  title: string;
  date: Date;
  /** The public site's address: links to other locales point there instead of being removed. */
  baseUrl?: string;
  /** Finished zips by content key; none, no caching. */
  cacheDir?: string;
}

/** Already compressed: deflating again costs time and gains nothing. */
const STORED = /\.(pdf|png|jpe?g|gif|webp|woff2?|gz|zip|pagefind|pf_fragment|pf_index|pf_meta)$/;

async function filesUnder(root: string, sub: string): Promise<string[]> {
  const dir = path.join(root, sub);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/**
 * The bundle opens on its own locale's home page, and lists the locale's
 * booklets, so a school that only unzips it finds the whole kit to print.
 */
function entryPage(locale: string, title: string, booklets: readonly string[]): string {
  const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  const links = booklets.map((file) => `<li><a href="${esc(file)}">${esc(file.split("/").pop()!)}</a></li>`).join("\n");
  return `<!doctype html>
<html lang="${locale.split("-")[0]}">
<head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${locale}/index.html"><title>${esc(title)}</title></head>
<body><p><a href="${locale}/index.html">${esc(title)}</a></p>
<ul>
${links}
</ul>
</body>
</html>
`;
}

/**
 * The date to give fflate so that the zip holds the build date in UTC.
 * fflate writes a Date's local fields (as zip's DOS time has no zone), so
 * it gets a Date whose local fields are the UTC ones. Zip cannot store
 * years before 1980; a UTC time that does not exist locally (a daylight
 * saving gap) falls back to noon, which no zone skips.
 */
export function zipDate(date: Date): Date {
  const d = date.getTime() < Date.UTC(1980, 0, 2) ? new Date(Date.UTC(1980, 0, 2)) : date;
  const fields = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] as const;
  const local = new Date(...fields);
  return local.getHours() === fields[3] && local.getDate() === fields[2] ? local : new Date(fields[0], fields[1], fields[2], 12);
}

/** What makes a zip's bytes besides its files: this code, fflate's version, the options. */
async function codeKey(options: BundleOptions): Promise<string> {
  const require = createRequire(import.meta.url);
  const fflate = JSON.parse(await readFile(require.resolve("fflate/package.json"), "utf8")) as { version: string };
  // As for PDFs, the date counts only when SOURCE_DATE_EPOCH fixes it; otherwise a zip keeps its first date.
  const dated = process.env.SOURCE_DATE_EPOCH ? options.date.toISOString() : "";
  const code = await Promise.all([import.meta.url, new URL("./offline-links.ts", import.meta.url).href].map((u) => readFile(fileURLToPath(u))));
  return createHash("sha256")
    .update(JSON.stringify({ fflate: fflate.version, title: options.title, dated, baseUrl: options.baseUrl ?? "" }))
    .update(code[0]!)
    .update(code[1]!)
    .digest("hex");
}

async function zipLocale(siteDir: string, locale: string, rels: string[], options: BundleOptions): Promise<Uint8Array> {
  const mtime = zipDate(options.date);
  const holds = new Set(["index.html", ...rels]);
  const booklets = rels.filter((rel) => rel.startsWith(`pdf/${locale}/${BOOKLET}-`));
  const files: Zippable = { "index.html": [new TextEncoder().encode(entryPage(locale, options.title, booklets)), { mtime }] };
  for (const rel of rels) {
    const data = await readFile(path.join(siteDir, rel));
    const body = rel.endsWith(".html") ? new TextEncoder().encode(await rewriteOfflineLinks(data.toString("utf8"), { page: rel, holds, baseUrl: options.baseUrl })) : data;
    files[rel] = [body, { mtime, level: STORED.test(rel) ? 0 : 6 }];
  }
  return zipSync(files);
}

/** Puts a file in place under a temporary name first, so no reader ever sees half of it. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  const tmp = `${to}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  await link(from, tmp).catch(() => copyFile(from, tmp));
  await rename(tmp, to);
}

export async function writeBundles(siteDir: string, outDir: string, locales: readonly string[], options: BundleOptions): Promise<{ written: string[]; used: Set<string> }> {
  const written: string[] = [];
  const used = new Set<string>();
  const code = await codeKey(options);
  await mkdir(outDir, { recursive: true });
  if (options.cacheDir) await mkdir(options.cacheDir, { recursive: true });
  for (const locale of locales) {
    const rels = (await Promise.all([locale, `pdf/${locale}`, "assets"].map((sub) => filesUnder(siteDir, sub)))).flat();
    const hash = createHash("sha256").update(code);
    for (const rel of rels) hash.update(rel).update("\0").update(await readFile(path.join(siteDir, rel))).update("\0");
    const key = hash.digest("hex");
    used.add(key);
    const file = path.join(outDir, `${locale}.zip`);
    const cached = options.cacheDir && path.join(options.cacheDir, `${key}.zip`);
    if (cached && (await linkOrCopy(cached, file).then(() => true, () => false))) {
      fault(`bundle:reused:${locale}`);
    } else {
      const tmp = `${file}.tmp`;
      await writeFile(tmp, await zipLocale(siteDir, locale, rels, options));
      fault(`bundle:rename:${locale}`);
      await rename(tmp, file);
      if (cached) await linkOrCopy(file, cached);
      fault(`bundle:cached:${locale}`);
    }
    written.push(file);
  }
  return { written, used };
}

/** Removes cached zips no build of the whole kit uses any more. */
export async function pruneZipCache(cacheDir: string, used: ReadonlySet<string>): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => !used.has(n.replace(/\.zip$/, ""))).map((n) => rm(path.join(cacheDir, n), { force: true })));
}
