// `kit status <locale> --diff [lesson]`: for each out-of-date translation,
// what changed in its source since the version it was made from, as a
// unified diff, so a translator updates only what changed. That version is
// found in git history by its hash: each commit that touched the source
// file, newest first, hashed as sourceHash hashes it, until one matches.
import { execFile as execFileCb } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createPatch } from "diff";
import { UsageError } from "../core/problems.ts";
import { LESSONS_DIR } from "../pipeline/load.ts";
import { sourceHash, statusOf } from "../pipeline/translations.ts";
import type { Kit } from "../pipeline/validate.ts";
import { reviewedLocale } from "./review.ts";

const execFile = promisify(execFileCb);
/** A lesson's versions are small; a long history of big files still fits. */
const MAX_BUFFER = 64 * 1024 * 1024;

async function git(cwd: string, args: string[]): Promise<string> {
  return (await execFile("git", args, { cwd, maxBuffer: MAX_BUFFER, encoding: "utf8" })).stdout;
}

export type Found = { text: string; commit: string } | { why: string };

/** The committed version of `file` (relative to `root`) whose sourceHash is `hash`, or why there is none. */
export async function findVersion(root: string, file: string, hash: string): Promise<Found> {
  try {
    await git(root, ["rev-parse", "--is-inside-work-tree"]);
  } catch (error) {
    const missing = (error as { code?: string }).code === "ENOENT";
    return { why: missing ? "git is not installed here, so the kit's history cannot be read" : `${root} is not a git checkout, so there is no history to find it in` };
  }
  const commits = (await git(root, ["log", "--format=%H", "--", file]).catch(() => "")).split("\n").filter(Boolean);
  for (const commit of commits) {
    // `./` makes the path relative to root, wherever the repository's top is.
    const text = await git(root, ["show", `${commit}:./${file}`]).catch(() => undefined);
    if (text !== undefined && sourceHash(text) === hash) return { text, commit };
  }
  return {
    why: commits.length
      ? `none of the ${commits.length} committed versions of ${file} has that hash (the translation was made from a version never committed, or the history is shallow: try git fetch --unshallow)`
      : `${file} has no commits in this checkout's history (commit the source before translating, so its versions can be found)`,
  };
}

/** The report, one section per out-of-date lesson (or the one asked for). */
export async function sourceDiffs(kit: Kit, code: string | undefined, only?: string): Promise<string> {
  const { target, source } = reviewedLocale(kit, code, "status --diff");
  const own = target.lessons.filter((l) => !l.fallbackFrom && l.meta.translation);
  if (only && !own.some((l) => l.id === only)) {
    throw new UsageError(`no translated lesson "${only}" in ${target.code}, expected one of ${own.map((l) => l.id).join(", ")}`);
  }
  const out: string[] = [];
  for (const lesson of own.filter((l) => !only || l.id === only)) {
    const status = statusOf(lesson, source);
    const file = `${LESSONS_DIR}/${source.code}/${lesson.id}.md`;
    if (!status.outdated) {
      if (only) out.push(`${lesson.id}: up to date (its source ${file} has not changed since it was translated)`);
      continue;
    }
    const then = lesson.meta.translation!.sourceHash;
    const found = await findVersion(kit.root, file, then);
    if ("why" in found) {
      out.push(`${lesson.id}: out of date, but the version of ${file} it was translated from (source hash ${then}) cannot be found: ${found.why}.\n  Compare the translation with ${file} by hand (kit review ${target.code} ${lesson.id} prints them side by side), then set its sourceHash to ${status.sourceNow}.`);
      continue;
    }
    const now = source.lessons.find((l) => l.id === lesson.id && !l.fallbackFrom)!.text;
    const patch = createPatch(file, found.text, now, `translated from: source hash ${then}, commit ${found.commit.slice(0, 12)}`, `now: source hash ${status.sourceNow}`);
    out.push(`${lesson.id}: out of date; what changed in ${file} since ${path.posix.join(LESSONS_DIR, target.code, `${lesson.id}.md`)} was translated from it:\n${patch.trimEnd()}`);
  }
  if (!out.length) return `${target.code}: every translation is up to date with ${source.code}; nothing to diff.`;
  return out.join("\n\n");
}
