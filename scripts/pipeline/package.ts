// Stage 6: put a finished build in place, all or nothing. Everything is
// written to a staging folder first. Publishing then writes a journal
// (output/.publish.json) naming the staging folder, swaps each part
// (site, pdf, kits) with two renames, and removes the journal: that
// removal is the commit. A swap cut short (a failed rename, a full disk,
// a killed process) is undone from the journal, at once or by the next
// build, so output/ holds the whole previous build or the whole new one.
import { constants } from "node:fs";
import { access, copyFile, link, mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fault } from "../system/faults.ts";

export const OUTPUT_PARTS = ["site", "pdf", "kits"] as const;
type Part = (typeof OUTPUT_PARTS)[number];

const JOURNAL = ".publish.json";
const STAGING_PREFIX = ".staging-";

interface Journal {
  /** The staging folder's name inside the output folder. */
  staging: string;
  /** Parts the previous build had (a first build has none to put back). */
  had: Part[];
}

const exists = (file: string) => access(file, constants.F_OK).then(() => true, () => false);

/** Makes a rename or a removal in `dir` survive a power cut. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  await handle.sync().finally(() => handle.close());
}

async function writeJournal(outRoot: string, journal: Journal): Promise<void> {
  const file = path.join(outRoot, JOURNAL);
  const handle = await open(`${file}.tmp`, "w");
  await handle.writeFile(JSON.stringify(journal)).then(() => handle.sync()).finally(() => handle.close());
  await rename(`${file}.tmp`, file);
  await syncDir(outRoot);
}

export async function makeStaging(outRoot: string): Promise<string> {
  await mkdir(outRoot, { recursive: true });
  const dir = path.join(outRoot, `${STAGING_PREFIX}${process.pid}-${Date.now()}`);
  await mkdir(dir);
  return dir;
}

/** Swaps the staging folder's parts into the output folder as one step (see the top of this file). */
export async function publish(staging: string, outRoot: string): Promise<void> {
  for (const part of OUTPUT_PARTS) await mkdir(path.join(staging, part), { recursive: true });
  const had: Part[] = [];
  for (const part of OUTPUT_PARTS) if (await exists(path.join(outRoot, part))) had.push(part);
  const journal: Journal = { staging: path.basename(staging), had };
  await writeJournal(outRoot, journal);
  try {
    fault("publish:journal");
    for (const part of OUTPUT_PARTS) {
      if (had.includes(part)) await rename(path.join(outRoot, part), path.join(staging, `${part}.old`));
      fault(`publish:aside:${part}`);
      await rename(path.join(staging, part), path.join(outRoot, part));
      fault(`publish:rename:${part}`);
    }
    await syncDir(outRoot);
    fault("publish:commit");
    await rm(path.join(outRoot, JOURNAL));
    await syncDir(outRoot);
  } catch (error) {
    // If this fails too, the journal stays and the next build settles it.
    await settle(outRoot, journal).catch(() => undefined);
    throw error;
  }
  fault("publish:committed");
  await rm(staging, { recursive: true, force: true });
}

/**
 * Finishes a swap the journal records: forward when every new part is in
 * place, else back to the previous build. Then drops the journal and the
 * staging folder.
 */
async function settle(outRoot: string, journal: Journal): Promise<"forward" | "back"> {
  const staging = path.join(outRoot, journal.staging);
  const inPlace = async (part: Part) => (await exists(path.join(outRoot, part))) && !(await exists(path.join(staging, part)));
  const forward = (await exists(staging)) && (await Promise.all(OUTPUT_PARTS.map(inPlace))).every(Boolean);
  if (!forward && (await exists(staging))) {
    for (const part of OUTPUT_PARTS) {
      const live = path.join(outRoot, part);
      const aside = path.join(staging, `${part}.old`);
      // The live part is the new one if staging no longer holds it: move it back out of the way.
      if (await inPlace(part)) await rename(live, path.join(staging, part));
      if (await exists(aside)) await rename(aside, live);
    }
    await syncDir(outRoot);
  }
  await rm(path.join(outRoot, JOURNAL), { force: true });
  await syncDir(outRoot);
  await rm(staging, { recursive: true, force: true });
  return forward ? "forward" : "back";
}

/**
 * Run first by every build, holding the lock: completes or undoes a swap
 * a killed build left half done, and removes staging folders of builds
 * that never reached publishing. Says what it did, if anything.
 */
export async function recover(outRoot: string): Promise<string | undefined> {
  const text = await readFile(path.join(outRoot, JOURNAL), "utf8").catch(() => undefined);
  let said: string | undefined;
  if (text !== undefined) {
    let journal: Journal;
    try {
      journal = JSON.parse(text) as Journal;
    } catch {
      // Written by rename, a journal is whole or absent: this one was not written by a build.
      throw new Error(`${path.join(outRoot, JOURNAL)} is not a publishing journal; move it away and build again`);
    }
    const way = await settle(outRoot, journal);
    said = way === "forward" ? "A build was cut short after publishing: finished it." : "A build was cut short while publishing: put the last complete build back.";
  }
  for (const name of await readdir(outRoot).catch(() => [] as string[])) {
    if (name.startsWith(STAGING_PREFIX) || name === `${JOURNAL}.tmp`) await rm(path.join(outRoot, name), { recursive: true, force: true });
  }
  return said;
}

/**
 * Which locale a published file belongs to: its first folder, or the one
 * under print/ and pdf/; the pages at the root (index.html, 404.html) are
 * the default locale's, as only its model makes them. Anything else
 * (assets/) is shared by all locales.
 */
export function ownerOf(part: Part, rel: string, locales: readonly string[], defaultLocale: string): string | undefined {
  const [first, second] = rel.split("/");
  if (part === "kits") return rel.replace(/\.zip$/, "");
  if (part === "pdf" || locales.includes(first!)) return first;
  if ((first === "print" || first === "pdf") && locales.includes(second!)) return second;
  return second === undefined && rel.endsWith(".html") ? defaultLocale : undefined;
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

/**
 * A build of some locales: every other locale's published files go into
 * staging as they are (hard links), so publishing keeps them. Shared files
 * come from this build. Locales the kit no longer has are left out.
 */
export async function carryOver(outRoot: string, staging: string, keep: (locale: string) => boolean, locales: readonly string[], defaultLocale: string): Promise<number> {
  let carried = 0;
  for (const part of OUTPUT_PARTS) {
    for (const rel of await filesIn(path.join(outRoot, part))) {
      // The site's copies of the PDFs are linked from staging's pdf/ afterwards.
      if (part === "site" && rel.startsWith("pdf/")) continue;
      const owner = ownerOf(part, rel, locales, defaultLocale);
      if (!owner || !keep(owner) || !locales.includes(owner)) continue;
      const dest = path.join(staging, part, rel);
      await mkdir(path.dirname(dest), { recursive: true });
      await linkFile(path.join(outRoot, part, rel), dest);
      carried++;
    }
  }
  return carried;
}

/** A hard link (no extra space, no copying time), or a copy where links cannot be made. */
export async function linkFile(src: string, dest: string): Promise<void> {
  await link(src, dest).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST") return;
    await copyFile(src, dest);
  });
}

/** The site links its handouts, so it carries them too. */
export async function linkPdfsIntoSite(staging: string): Promise<void> {
  const from = path.join(staging, "pdf");
  const to = path.join(staging, "site", "pdf");
  const files = await filesIn(from);
  await Promise.all([...new Set(files.map((f) => path.dirname(f)))].map((dir) => mkdir(path.join(to, dir), { recursive: true })));
  await Promise.all(files.map((rel) => linkFile(path.join(from, rel), path.join(to, rel))));
}

/** Removes a failed build's staging folder, unless a journal still needs it to put the last build back. */
export async function discard(staging: string): Promise<void> {
  const text = await readFile(path.join(path.dirname(staging), JOURNAL), "utf8").catch(() => "");
  if (text.includes(JSON.stringify(path.basename(staging)))) return;
  await rm(staging, { recursive: true, force: true });
}
