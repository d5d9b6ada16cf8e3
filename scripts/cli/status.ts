// `kit status`: per locale, what is translated, missing, out of date, draft
// or reviewed, and which help lines its region has and how sure they are.
import type { Problem } from "../core/problems.ts";
import { statusOf, type LessonStatus } from "../pipeline/translations.ts";
import type { Kit, Locale } from "../pipeline/validate.ts";

export interface LocaleStatus {
  code: string;
  source?: string;
  lessons: number;
  counts: Record<LessonStatus["state"] | "outdated", number>;
  missing: string[];
  outdated: string[];
  untranslated: string[];
  /** Each lesson with a review on record: who, when, against which source, and whether that source changed since. */
  reviews: Review[];
  region: string;
  /** When the region's lines were last checked against their sources. */
  checked: string;
  /** Which line fills each role. */
  roles: [string, string[]][];
  lines: { id: string; confidence: string; contacts: number }[];
}

export interface Review {
  lesson: string;
  state: LessonStatus["state"];
  reviewer: string;
  on?: string;
  hash?: string;
  /** The source's hash now. */
  now?: string;
  /** Undefined when no reviewed hash is recorded (reviewed before kit review --sign). */
  changed?: boolean;
}

export function kitStatus(kit: Kit): LocaleStatus[] {
  const byCode = new Map(kit.locales.map((l) => [l.code, l]));
  return kit.locales.map((locale: Locale) => {
    const source = locale.meta.source ? byCode.get(locale.meta.source) : undefined;
    const counts = { source: 0, missing: 0, untranslated: 0, draft: 0, reviewed: 0, outdated: 0 };
    const missing: string[] = [];
    const outdated: string[] = [];
    const untranslated: string[] = [];
    const reviews: Review[] = [];
    for (const lesson of locale.lessons) {
      const status = statusOf(lesson, source);
      if (status.reviewer && !lesson.fallbackFrom) {
        reviews.push({ lesson: lesson.id, state: status.state, reviewer: status.reviewer, on: status.reviewedOn, hash: status.reviewedHash, now: status.sourceNow, changed: status.changedSinceReview });
      }
      counts[status.state]++;
      if (status.outdated) {
        counts.outdated++;
        outdated.push(lesson.id);
      }
      if (status.state === "missing") missing.push(lesson.id);
      if (status.state === "untranslated") untranslated.push(lesson.id);
    }
    return {
      code: locale.code,
      source: locale.meta.source,
      lessons: locale.lessons.length,
      counts,
      missing,
      outdated,
      untranslated,
      reviews,
      region: locale.region.meta.region,
      checked: locale.region.meta.checked,
      roles: [...locale.region.roles],
      lines: [...locale.region.lines.values()].map((l) => ({ id: l.id, confidence: l.confidence, contacts: l.contacts.length })),
    };
  });
}

/** A region checked more than a year ago may print numbers that changed since. */
export function staleCheck(checked: string, today: Date = new Date()): string | undefined {
  const date = new Date(`${checked}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return `its checked date "${checked}" is not a date (YYYY-MM-DD)`;
  const yearAgo = new Date(today);
  yearAgo.setUTCFullYear(yearAgo.getUTCFullYear() - 1);
  return date < yearAgo ? `its lines were last checked on ${checked}, more than a year ago: check every line against its source again before printing` : undefined;
}

export function formatStatus(statuses: LocaleStatus[], today: Date = new Date()): string {
  const rows = [
    "| locale | from | lessons | translated | draft | reviewed | untranslated | missing | out of date |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of statuses) {
    const c = s.counts;
    const translated = s.source ? String(c.draft + c.reviewed) : "(source)";
    rows.push(`| ${s.code} | ${s.source ?? "-"} | ${s.lessons} | ${translated} | ${c.draft} | ${c.reviewed} | ${c.untranslated} | ${c.missing} | ${c.outdated} |`);
  }
  const lines: string[] = [rows.join("\n")];
  for (const s of statuses) {
    if (s.missing.length) lines.push(`${s.code}: missing, shown in ${s.source} with a notice: ${s.missing.join(", ")}`);
    if (s.untranslated.length) lines.push(`${s.code}: copied but not yet translated: ${s.untranslated.join(", ")}`);
    if (s.outdated.length) lines.push(`${s.code}: out of date (the source changed since translation): ${s.outdated.join(", ")} (kit status ${s.code} --diff shows what changed)`);
    if (s.reviews.length) lines.push(`${s.code}: reviews:`);
    for (const r of s.reviews) lines.push(`  ${reviewLine(r)}`);
  }
  const regions = new Map(statuses.map((s) => [s.region, s]));
  for (const [region, s] of regions) {
    const byConfidence = new Map<string, string[]>();
    for (const line of s.lines) byConfidence.set(line.confidence, [...(byConfidence.get(line.confidence) ?? []), line.id]);
    const users = statuses.filter((x) => x.region === region).map((x) => x.code).join(", ");
    lines.push(`\nRegion ${region} (${users}): ${s.lines.length} help lines, checked ${s.checked}`);
    const stale = staleCheck(s.checked, today);
    if (stale) lines.push(`  WARNING: ${stale}`);
    lines.push(`  roles: ${s.roles.map(([role, ids]) => `${role} = ${ids.join(", ")}`).join("; ")}`);
    for (const [confidence, ids] of [...byConfidence].sort()) lines.push(`  ${confidence}: ${ids.join(", ")}`);
    const empty = s.lines.filter((l) => l.contacts === 0).map((l) => l.id);
    if (empty.length) lines.push(`  still to fill in (no contact yet): ${empty.join(", ")}`);
  }
  return lines.join("\n");
}

/** "8-10-x: reviewed by Siti on 2026-12-01 against source 48666bb75378; the source has not changed since". */
export function reviewLine(r: Review): string {
  const who = `${r.lesson}: ${r.state === "reviewed" ? "reviewed" : `${r.state}, last reviewed`} by ${r.reviewer}${r.on ? ` on ${r.on}` : ""}`;
  if (!r.hash) return `${who}; no reviewed source hash recorded, so whether the source changed since cannot be told (sign again with kit review --sign)`;
  if (r.changed) return `${who} against source ${r.hash}; the source has CHANGED since (now ${r.now}): review it again`;
  return `${who} against source ${r.hash}; the source has not changed since`;
}

/** `kit check --strict`: a kit ready to print has every lesson translated and current. */
export function strictProblems(statuses: LocaleStatus[]): Problem[] {
  const problems: Problem[] = [];
  for (const s of statuses) {
    for (const id of s.missing) problems.push({ file: `lessons/${s.code}/${id}.md`, field: "translation", rule: "strict", message: `is missing (the ${s.source} lesson is shown instead)` });
    for (const id of s.untranslated) problems.push({ file: `lessons/${s.code}/${id}.md`, field: "translation.status", rule: "strict", message: "is still untranslated" });
    for (const id of s.outdated) problems.push({ file: `lessons/${s.code}/${id}.md`, field: "translation.sourceHash", rule: "strict", message: `is out of date: lessons/${s.source}/${id}.md changed since it was translated` });
    for (const line of s.lines.filter((l) => l.contacts === 0)) {
      problems.push({ file: `regions/${s.region}.yaml`, field: line.id, rule: "strict", message: "help line has no contact yet" });
    }
  }
  // Locales sharing a region would report its empty slots once each.
  return [...new Map(problems.map((p) => [`${p.file}#${p.field}`, p])).values()];
}
