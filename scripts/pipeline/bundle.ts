// Stage 6b: one zip per locale (output/kits/<locale>.zip): that locale's
// pages, handouts and the shared assets, to hand to a school with no
// internet. Entries are sorted and dated from the build date, so the same
// sources give the same bytes.
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { zipSync, type Zippable } from "fflate";
import { BOOKLET } from "../core/handouts.ts";

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

export async function writeBundles(siteDir: string, outDir: string, locales: readonly string[], title: string, date: Date): Promise<string[]> {
  const written: string[] = [];
  // Zip stores local time to the 2-second; anything before 1980 cannot be stored.
  const mtime = date.getTime() < Date.UTC(1980, 0, 2) ? new Date(Date.UTC(1980, 0, 2)) : date;
  await mkdir(outDir, { recursive: true });
  for (const locale of locales) {
    const files: Zippable = {};
    for (const sub of [locale, `pdf/${locale}`, "assets"]) {
      for (const rel of await filesUnder(siteDir, sub)) files[rel] = [await readFile(path.join(siteDir, rel)), { mtime }];
    }
    const booklets = Object.keys(files).filter((rel) => rel.startsWith(`pdf/${locale}/${BOOKLET}-`));
    files["index.html"] = [new TextEncoder().encode(entryPage(locale, title, booklets)), { mtime }];
    const file = path.join(outDir, `${locale}.zip`);
    await writeFile(file, zipSync(files, { level: 6 }));
    written.push(file);
  }
  return written;
}
