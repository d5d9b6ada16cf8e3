// Stage 3: the content guide's rules, as code. Run by `kit check` and by
// every build, after the files are known to be well formed.
import readability from "text-readability";
import type { Problem } from "../core/problems.ts";
import { ADULT_MESSAGES, CORE_MESSAGES, type Band, type Glossary, type MessageId } from "../core/schema.ts";
import { checkGlossary, checkLocalTerms, lessonChunks } from "./glossary.ts";
import type { KitSource } from "./load.ts";
import type { Kit, Lesson, Locale, TextRun } from "./validate.ts";

/**
 * Highest Flesch-Kincaid grade of the `::: say` text of a lesson, per band.
 * The formula is calibrated for English, so it applies to English locales
 * only; a translation's wording is checked by its fluent reviewer.
 */
export const READING_LEVEL: Partial<Record<Band, number>> = { "8-10": 5, "11-13": 7, "14-17": 9 };

/**
 * Words the content guide rules out, each with the rule it breaks. They hold
 * for every locale, glossary or not; where the locale's glossary defines the
 * same `concept`, the glossary reports it instead (once, with its term).
 */
export const RULED_OUT: { rule: string; pattern: RegExp; advice: string; concept?: string }[] = [
  { rule: "words/csam", pattern: /\bchild porn(ography)?\b/i, advice: 'say "child sexual abuse material"', concept: "csam" },
  { rule: "words/csam", pattern: /\bpornografi kanak-kanak\b/i, advice: 'sebut "bahan penderaan seksual kanak-kanak"', concept: "csam" },
  { rule: "words/no-blame", pattern: /\b(you )?(should|shouldn['’]t|should not) (never )?have (sent|shared|taken)\b/i, advice: "no blame: the person threatening is the one doing wrong" },
  { rule: "words/no-blame", pattern: /\b(your|their|his|her) own fault\b/i, advice: "no blame: say it is not their fault" },
  { rule: "words/no-blame", pattern: /\basked for it\b|\bbrought (it|this) on\b/i, advice: "no blame: the person threatening is the one doing wrong" },
  { rule: "words/no-shame", pattern: /\bsexting is (always )?wrong\b/i, advice: "risk can be discussed, blame cannot" },
  { rule: "words/no-shame", pattern: /\b(stupid|foolish|careless|naive) (of you|thing to do|to send)\b/i, advice: "no shaming words about the young person" },
];

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;
const URL = /\bhttps?:\/\/|\bwww\.|\b[a-z0-9-]+\.(org|com|net|gov|edu|my|uk|au|us|io|info)(\.[a-z]{2})?\b/i;
/** A run of digits and separators holding at least seven digits. */
const LONG_NUMBER = /\+?\d[\d\s().-]{5,}\d/g;

function digitsOf(s: string): string {
  return s.replace(/\D/g, "");
}

/** Numbers, emails and addresses must come from region data, never from a lesson. */
export function typedContact(text: string, shortCodes: ReadonlySet<string>): string | undefined {
  const email = EMAIL.exec(text);
  if (email) return `email address "${email[0]}"`;
  const url = URL.exec(text);
  if (url) return `web address "${url[0]}"`;
  for (const match of text.matchAll(LONG_NUMBER)) {
    if (digitsOf(match[0]).length >= 7) return `phone number "${match[0].trim()}"`;
  }
  for (const match of text.matchAll(/\b\d{3,6}\b/g)) {
    if (shortCodes.has(match[0])) return `help line number "${match[0]}"`;
  }
  return undefined;
}

/** Every piece of front matter text with its line, for the same checks as the body. */
export function frontRuns(lesson: Lesson): TextRun[] {
  const runs: TextRun[] = [];
  const walk = (value: unknown, keyPath: PropertyKey[]) => {
    if (typeof value === "string") runs.push({ text: value, line: lesson.front.lineOf(keyPath) ?? 1 });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...keyPath, i]));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...keyPath, k]);
  };
  // The translation record holds a source hash, not text anyone reads.
  const { translation: _record, ...front } = (lesson.front.data ?? {}) as Record<string, unknown>;
  walk(front, []);
  return runs;
}

export function checkLesson(lesson: Lesson, locale: Locale, problems: Problem[], glossary?: Glossary): void {
  const problem = (line: number, rule: string, message: string, field?: string) =>
    problems.push({ file: lesson.file, line, rule, message, field });
  const shortCodes = new Set(
    [...locale.lines.values()].flatMap((l) => l.contacts.map((c) => digitsOf(c.value))).filter((d) => d.length >= 3 && d.length <= 6),
  );
  for (const run of [...frontRuns(lesson), ...lesson.runs]) {
    const contact = typedContact(run.text, shortCodes);
    if (contact) problem(run.line, "contacts/from-region-data", `${contact} typed into the lesson: name the line with [[id]] or a ::: helplines block instead`);
    for (const { rule, pattern, advice, concept } of RULED_OUT) {
      if (concept && glossary?.[concept]) continue;
      const match = pattern.exec(run.text);
      if (match) problem(run.line, rule, `"${match[0]}": ${advice}`);
    }
  }
  const limit = locale.meta.language === "en" ? READING_LEVEL[lesson.meta.band] : undefined;
  const say = lesson.runs.filter((r) => r.block === "say");
  if (limit !== undefined && say.length) {
    const text = say.map((r) => r.text.trim()).join(" ");
    const grade = gradeOf(text);
    if (grade > limit) {
      const first = say[0]!.line;
      problem(first, "reading-level", `the ::: say text reads at Flesch-Kincaid grade ${grade.toFixed(1)}, above ${limit} for band ${lesson.meta.band}: use shorter sentences and everyday words`, "::: say");
    }
  }
}

/**
 * Grades already worked out, by text: counting syllables is most of the
 * checks' time, and `kit dev` checks the whole kit on every save while a
 * save changes one lesson. The grade is a function of the text alone.
 */
const grades = new Map<string, number>();
function gradeOf(text: string): number {
  let grade = grades.get(text);
  if (grade === undefined) {
    // Bounded: a long `kit dev` session must not keep every version ever saved.
    if (grades.size > 2000) grades.clear();
    grades.set(text, (grade = readability.fleschKincaidGrade(text)));
  }
  return grade;
}

/** For each band a locale ships, its lessons together teach every message. */
export function checkCoverage(locale: Locale, problems: Problem[]): void {
  const bands = new Set(locale.lessons.map((l) => l.meta.band));
  for (const band of bands) {
    const expected: readonly MessageId[] = band === "adults" ? [...CORE_MESSAGES, ...ADULT_MESSAGES] : CORE_MESSAGES;
    const taught = new Set(locale.lessons.filter((l) => l.meta.band === band).flatMap((l) => l.meta.messages));
    const missing = expected.filter((m) => !taught.has(m));
    if (missing.length) {
      problems.push({
        file: `lessons/${locale.code}`,
        field: `band ${band}`,
        rule: "messages/coverage",
        message: `no lesson of band ${band} teaches ${missing.join(", ")}: every band a kit ships carries all ${expected.length} messages`,
      });
    }
  }
}

/**
 * `source` (the files as read) holds the glossaries and the region files'
 * lines: without it, as in tests of the other checks, glossaries and local
 * terms are not checked. Every build passes it.
 */
export function runContentChecks(kit: Kit, problems: Problem[], source?: KitSource): void {
  const chunksOf = (lesson: Lesson) => lessonChunks(lesson, frontRuns(lesson));
  for (const locale of kit.locales) {
    checkCoverage(locale, problems);
    const loc = source?.locales.find((l) => l.code === locale.code);
    const glossary = source && loc ? checkGlossary(locale, loc, source, chunksOf, problems) : undefined;
    if (source) checkLocalTerms(locale, source, chunksOf, problems);
    // A fallback is its source locale's lesson, checked there already.
    for (const lesson of locale.lessons.filter((l) => !l.fallbackFrom)) checkLesson(lesson, locale, problems, glossary);
  }
}
