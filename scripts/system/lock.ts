// One build at a time per output folder. The lock is proper-lockfile's
// (an atomic mkdir, kept fresh while the build runs, stale when not), and
// beside it a note of who holds it, so a second build can name the first.
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";
import { BusyError } from "../core/problems.ts";

/** Lock is stale when not refreshed for this long (the holder refreshes it every few seconds). */
const STALE_MS = 20_000;

interface Owner {
  pid: number;
  host: string;
  started: string;
  command: string;
  /** The lock folder's inode: ties this note to the lock it was written for, not an older one. */
  ino: number;
}

export interface HeldLock {
  /** Throws if the lock was lost while the build ran (then it must not publish). */
  check(): void;
  release(): Promise<void>;
}

const lockDir = (outDir: string) => path.join(outDir, ".build.lock");
const ownerFile = (outDir: string) => path.join(outDir, ".build.json");

async function readOwner(outDir: string): Promise<Owner | undefined> {
  const text = await readFile(ownerFile(outDir), "utf8").catch(() => "");
  try {
    return text ? (JSON.parse(text) as Owner) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A lock whose holder is known to be dead (same host, pid gone, note
 * written for this very lock folder) is taken over at once rather than
 * after STALE_MS, so a killed build does not hold up the next one.
 */
async function deadHolder(outDir: string): Promise<boolean> {
  const [owner, dir] = await Promise.all([readOwner(outDir), stat(lockDir(outDir)).catch(() => undefined)]);
  return !!owner && !!dir && owner.ino === dir.ino && owner.host === os.hostname() && !alive(owner.pid);
}

function busy(owner: Owner | undefined, outDir: string): BusyError {
  const who = owner ? `build ${owner.pid} on ${owner.host}, started ${owner.started} (${owner.command})` : "another build";
  return new BusyError(`${outDir} is in use by ${who}. Wait for it to finish, or build with --out <another folder>.`);
}

/** Takes the output folder's lock, or throws a BusyError naming the build that holds it. */
export async function lockOutput(outDir: string): Promise<HeldLock> {
  let lost: Error | undefined;
  const options = { lockfilePath: lockDir(outDir), realpath: false, stale: STALE_MS, onCompromised: (error: Error) => void (lost = error) };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(outDir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    if (!(await deadHolder(outDir))) throw busy(await readOwner(outDir), outDir);
    await rm(lockDir(outDir), { recursive: true, force: true });
    release = await lockfile.lock(outDir, options).catch(async (again: NodeJS.ErrnoException) => {
      throw again.code === "ELOCKED" ? busy(await readOwner(outDir), outDir) : again;
    });
  }
  const owner: Owner = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: ["kit", ...process.argv.slice(2)].join(" "),
    ino: (await stat(lockDir(outDir))).ino,
  };
  const tmp = `${ownerFile(outDir)}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(owner, null, 2));
  await rename(tmp, ownerFile(outDir));
  return {
    check() {
      if (lost) throw new BusyError(`lost the lock on ${outDir} while building (${lost.message}); nothing was published`);
    },
    async release() {
      await rm(ownerFile(outDir), { force: true });
      await release().catch(() => undefined);
    },
  };
}
