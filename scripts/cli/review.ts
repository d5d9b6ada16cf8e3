// `kit review <locale> [lesson] [--out DIR|FILE]`: review sheets to print;
// `kit review <locale> <lesson> --sign "Name"`: the reviewer's sign-off,
// written into the lesson's translation record.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { KitError, UsageError } from "../core/problems.ts";
import { signLesson } from "../core/review.ts";
import { LESSONS_DIR } from "../pipeline/load.ts";
import type { Reporter } from "../pipeline/report.ts";
import { printReviewSheets, type SheetJob } from "../pipeline/review-sheet.ts";
import { sourceHash, statusOf } from "../pipeline/translations.ts";
import type { Kit, Lesson, Locale } from "../pipeline/validate.ts";

/** The locale and its source; a UsageError (exit 2) for a locale the kit lacks or one translated from nothing. */
export function reviewedLocale(kit: Kit, code: string | undefined, command: string): { target: Locale; source: Locale } {
  const translated = kit.locales.filter((l) => l.meta.source).map((l) => l.code);
  if (!code) throw new UsageError(`kit ${command} needs a locale, one of ${translated.join(", ") || "(none translated yet)"}`);
  const target = kit.locales.find((l) => l.code === code);
  if (!target) throw new UsageError(`no locale "${code}", expected one of ${kit.locales.map((l) => l.code).join(", ")}`);
  const source = kit.locales.find((l) => l.code === target.meta.source);
  if (!source) throw new UsageError(`${code} is a source locale (its locale.yaml names no source): review a locale translated from it, e.g. ${translated.join(", ") || "one made with kit new-locale"}`);
  return { target, source };
}

/** The locale's own lesson; a UsageError for an id it has not, a KitError naming the file when it is no translation. */
export function reviewedLesson(target: Locale, id: string): Lesson {
  const lesson = target.lessons.find((l) => l.id === id);
  if (!lesson) throw new UsageError(`no lesson "${id}" in ${target.code}, expected one of ${target.lessons.filter((l) => !l.fallbackFrom).map((l) => l.id).join(", ")}`);
  const file = `${LESSONS_DIR}/${target.code}/${id}.md`;
  if (lesson.fallbackFrom) throw new KitError([{ file, field: "translation", message: `does not exist: ${target.code} shows the ${lesson.fallbackFrom} lesson instead, so there is no translation to review` }]);
  const record = lesson.meta.translation;
  if (!record) throw new KitError([{ file, field: "translation", message: "is not a translation (its front matter has no translation: record), so it has no source to review it against" }]);
  if (record.status === "untranslated") throw new KitError([{ file, field: "translation.status", message: "is still untranslated (a copy of the source): translate it first" }]);
  return lesson;
}

export interface ReviewOptions {
  code?: string;
  lesson?: string;
  /** A folder for the PDFs, or with one lesson a file ending in .pdf. */
  out?: string;
  reporter: Reporter;
  date?: Date;
}

/** Prints the sheets; the files written. */
export async function reviewSheets(kit: Kit, options: ReviewOptions): Promise<{ files: string[]; skipped: string[] }> {
  const { target, source } = reviewedLocale(kit, options.code, "review");
  const skipped: string[] = [];
  let lessons: Lesson[];
  if (options.lesson) lessons = [reviewedLesson(target, options.lesson)];
  else {
    lessons = target.lessons.filter((l) => !l.fallbackFrom && l.meta.translation && l.meta.translation.status !== "untranslated");
    skipped.push(...target.lessons.filter((l) => !lessons.includes(l)).map((l) => l.id));
    if (!lessons.length) throw new KitError([{ file: `${LESSONS_DIR}/${target.code}`, message: "has no translated lesson to review yet (kit status shows what is untranslated or missing)" }]);
  }
  const single = options.out !== undefined && options.lesson !== undefined && options.out.endsWith(".pdf");
  if (options.out?.endsWith(".pdf") && !options.lesson) throw new UsageError(`--out ${options.out}: one file holds one lesson's sheet; name a lesson, or give a folder`);
  const dir = path.resolve(options.out ?? path.join(kit.root, "output", "review", target.code));
  const jobs: SheetJob[] = lessons.map((lesson) => ({ lesson, file: single ? path.resolve(options.out!) : path.join(dir, `${lesson.id}.pdf`) }));
  await printReviewSheets(kit, target, source, jobs, options.reporter, options.date ?? new Date());
  return { files: jobs.map((j) => j.file), skipped };
}

/** Today in ISO form (YYYY-MM-DD), in UTC. */
export function isoDate(date: Date = new Date()): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Marks one lesson reviewed by `reviewer`, today, against the source as it
 * is now. An out-of-date translation is refused: its reviewer would sign
 * for text made from an older source.
 */
export async function signReview(kit: Kit, code: string | undefined, id: string | undefined, reviewer: string, date: Date = new Date()): Promise<{ file: string; hash: string; date: string }> {
  const { target, source } = reviewedLocale(kit, code, "review --sign");
  if (!id) throw new UsageError(`kit review --sign needs a lesson, e.g. npm run kit -- review ${target.code} ${target.lessons[0]?.id ?? "<lesson>"} --sign "Name"`);
  if (!reviewer.trim()) throw new UsageError('--sign needs the reviewer\'s name, e.g. --sign "Siti Aminah"');
  const lesson = reviewedLesson(target, id);
  const file = `${LESSONS_DIR}/${target.code}/${id}.md`;
  const status = statusOf(lesson, source);
  if (status.outdated) {
    throw new KitError([{ file, field: "translation.sourceHash", message: `is out of date: ${LESSONS_DIR}/${source.code}/${id}.md changed since it was translated (kit status ${target.code} --diff ${id} shows what). Update the translation, then print and sign a new review sheet.` }]);
  }
  const original = source.lessons.find((l) => l.id === id && !l.fallbackFrom)!;
  const hash = sourceHash(original.text);
  const absolute = path.join(kit.root, file);
  const text = await readFile(absolute, "utf8");
  let signed: string;
  try {
    signed = signLesson(text, { reviewer: reviewer.trim(), date: isoDate(date), hash });
  } catch (error) {
    throw new KitError([{ file, field: "translation", message: error instanceof Error ? error.message : String(error) }]);
  }
  await writeFile(absolute, signed);
  return { file, hash, date: isoDate(date) };
}
