// Translation state: which lessons a locale has, which it borrows from its
// source locale (shown with a notice, never silently), and which are out of
// date because their source changed since they were translated.
import { createHash } from "node:crypto";
import type { Problem } from "../core/problems.ts";
import { isLineRole, SCHOOL_REF, type SchoolRole } from "../core/roles.ts";
import type { Kit, Lesson, Locale } from "./validate.ts";

/** First 12 hex digits of the sha256 of a source file, as translations record it. */
export function sourceHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

export type TranslationState = "source" | "missing" | "untranslated" | "draft" | "reviewed";

export interface LessonStatus {
  state: TranslationState;
  /** The source file changed since this translation was made. */
  outdated: boolean;
  /** Locale the text comes from or was translated from. */
  from?: string;
  reviewer?: string;
  reviewedOn?: string;
  /** The source hash the reviewer checked against, and whether the source has changed since. */
  reviewedHash?: string;
  changedSinceReview?: boolean;
  /** The source file's hash now. */
  sourceNow?: string;
}

export function statusOf(lesson: Lesson, source: Locale | undefined): LessonStatus {
  const record = lesson.meta.translation;
  if (lesson.fallbackFrom) return { state: "missing", outdated: false, from: lesson.fallbackFrom };
  if (!record) return { state: "source", outdated: false };
  const original = source?.lessons.find((l) => l.id === lesson.id && !l.fallbackFrom);
  const now = original ? sourceHash(original.text) : undefined;
  return {
    state: record.status,
    outdated: now !== undefined && now !== record.sourceHash,
    from: record.source,
    reviewer: record.reviewer,
    reviewedOn: record.reviewedOn,
    reviewedHash: record.reviewedHash,
    changedSinceReview: record.reviewedHash !== undefined && now !== undefined ? now !== record.reviewedHash : undefined,
    sourceNow: now,
  };
}

/**
 * Every lesson of a locale's source that the locale lacks is added as a
 * fallback, marked so that pages and handouts say so. A fallback whose help
 * lines this locale's region does not have is an error: it would print
 * another country's numbers.
 */
/** Whether a locale's region has what a lesson names: a line, or a role or school role it fills. */
function fills(locale: Locale, name: string): boolean {
  const school = SCHOOL_REF.exec(name);
  if (school) return Boolean(locale.school[school[1] as SchoolRole]);
  return locale.lines.has(name) || (isLineRole(name) && Boolean(locale.region.roles.get(name)?.length));
}

export function addFallbacks(kit: Kit, problems: Problem[]): void {
  const byCode = new Map(kit.locales.map((l) => [l.code, l]));
  for (const locale of kit.locales) {
    const sourceCode = locale.meta.source;
    if (!sourceCode) continue;
    const source = byCode.get(sourceCode);
    if (!source) {
      problems.push({ file: `lessons/${locale.code}/locale.yaml`, field: "source", message: `no locale "${sourceCode}" to translate from` });
      continue;
    }
    const have = new Set(locale.lessons.map((l) => l.id));
    for (const lesson of source.lessons.filter((l) => !have.has(l.id) && !l.fallbackFrom)) {
      const foreign = lesson.helplineIds.filter((name) => !fills(locale, name));
      if (foreign.length) {
        problems.push({
          file: `lessons/${locale.code}/${lesson.id}.md`,
          field: "translation",
          message: `is missing, and the ${sourceCode} lesson cannot stand in: it names help lines region ${locale.meta.region} lacks (${foreign.join(", ")}). Translate or adapt it (kit new-locale copies lessons for this).`,
        });
        continue;
      }
      locale.lessons.push({ ...lesson, locale: locale.code, fallbackFrom: sourceCode });
    }
  }
}
