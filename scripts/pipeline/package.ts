// Stage 6: put a finished build in place. Everything is written to a
// staging folder first and swapped into output/ only when the whole build
// succeeded, so a failed build leaves the last good output as it was.
import { link, mkdir, readdir, rename, rm, copyFile } from "node:fs/promises";
import path from "node:path";

export const OUTPUT_PARTS = ["site", "pdf", "kits"] as const;

export async function makeStaging(outRoot: string): Promise<string> {
  await mkdir(outRoot, { recursive: true });
  const dir = path.join(outRoot, `.staging-${process.pid}-${Date.now()}`);
  await mkdir(dir);
  return dir;
}

/** The site links its handouts, so it carries them too (hard links: no extra space). */
export async function linkPdfsIntoSite(staging: string): Promise<void> {
  const from = path.join(staging, "pdf");
  const to = path.join(staging, "site", "pdf");
  for (const locale of await readdir(from).catch(() => [] as string[])) {
    await mkdir(path.join(to, locale), { recursive: true });
    for (const name of await readdir(path.join(from, locale))) {
      const src = path.join(from, locale, name);
      const dest = path.join(to, locale, name);
      await link(src, dest).catch(() => copyFile(src, dest));
    }
  }
}

/** Swaps each finished part of the staging folder into the output folder. */
export async function publish(staging: string, outRoot: string): Promise<void> {
  for (const part of OUTPUT_PARTS) {
    const fresh = path.join(staging, part);
    const live = path.join(outRoot, part);
    const old = path.join(staging, `${part}.old`);
    await rename(live, old).catch(() => undefined);
    await rename(fresh, live);
  }
  await rm(staging, { recursive: true, force: true });
}

export async function discard(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
