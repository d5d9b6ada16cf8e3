// `kit build` as a child process, and a fingerprint of a whole output
// folder: for tests that kill builds, run two at once or vary TZ.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { PROJECT } from "./helpers.ts";

/** 2023-11-14 22:13:20 UTC: a date that is another day in Asia. */
export const EPOCH = "1700000000";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `kit build` in a child process; never rejects. */
export function kit(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile("node", [path.join(PROJECT, "bin/kit.js"), "build", ...args], { env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH, ...env } }, (error, stdout, stderr) => {
      const failed = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: failed ? (failed.code ?? null) : 0, signal: failed?.signal ?? null, stdout, stderr });
    });
  });
}

/** sha256 of every published file (site, pdf, kits), by path. */
export async function snapshot(out: string, parts = ["site", "pdf", "kits"]): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const part of parts) {
    const entries = await readdir(path.join(out, part), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(e.parentPath, e.name);
      result[path.relative(out, file)] = createHash("sha256").update(await readFile(file)).digest("hex");
    }
  }
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => a.localeCompare(b)));
}
