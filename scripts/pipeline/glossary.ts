// Terminology the build enforces: a locale's glossary (the term to use for
// each concept, the phrases that must not stand for it) over all the text
// the locale prints, and the local words of other regions in its lessons.
import type { Problem } from "../core/problems.ts";
import { glossarySchema, localize, type Glossary, type Localized } from "../core/schema.ts";
import type { KitSource, LocaleSource, Parsed } from "./load.ts";
import { check, type Lesson, type Locale, type TextRun } from "./validate.ts";

/** Text checked as one piece: a paragraph of a lesson, a front matter value, a string, a region text. */
interface Chunk {
  file: string;
  /** Pieces of the text with their lines; a match is reported on its piece's line. */
  parts: TextRun[];
}

/** `[[id]]` names a help line or role: its words are an id, not text anyone reads. */
const REFERENCE = /\[\[[^\]]*\]\]/g;
const stripRefs = (text: string) => text.replace(REFERENCE, " ");

/** Whole words in any script: `\b` knows only ASCII letters, and Malay or Tamil text needs more. */
function wordPattern(source: string, flags = "giu"): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${source.replace(/ +/g, "\\s+")})(?![\\p{L}\\p{N}])`, flags);
}
/** One pattern that matches where any of `patterns` does: a chunk none of them is in is passed over in one test. */
function anyOf(patterns: readonly RegExp[]): RegExp {
  return new RegExp(patterns.map((p) => `(?:${p.source})`).join("|") || "(?!)", "iu");
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A lesson body's runs joined into paragraphs, so a phrase wrapped over two
 * lines is still found: runs on one line are pieces of it (split by
 * emphasis or links), runs on the next line in the same block continue it.
 */
export function lessonChunks(lesson: Lesson, frontRuns: TextRun[]): Chunk[] {
  const chunks: Chunk[] = frontRuns.map((run) => ({ file: lesson.file, parts: [run] }));
  const body = lesson.body.split(/\r?\n/);
  // A list item, heading or table row on the next line is a new paragraph.
  const opensParagraph = (line: number) => /^\s*([-*+]|\d+[.)]|#+|\|)\s/.test(body[line - lesson.bodyLine] ?? "");
  let current: Chunk | undefined;
  let last: TextRun | undefined;
  for (const run of lesson.runs) {
    const continues = last && run.block === last.block && (run.line === last.line || (run.line - last.line === 1 && !opensParagraph(run.line)));
    if (!current || !continues) chunks.push((current = { file: lesson.file, parts: [] }));
    current.parts.push(run.line === last?.line || !current.parts.length ? run : { ...run, text: ` ${run.text}` });
    last = run;
  }
  return chunks;
}

/** A chunk's text joined once, with where each part starts: every rule reads the same text. */
interface Joined {
  chunk: Chunk;
  text: string;
  starts: number[];
  sentences?: RegExpExecArray[];
}

function join(chunk: Chunk): Joined {
  const starts: number[] = [];
  let text = "";
  for (const part of chunk.parts) {
    starts.push(text.length);
    text += stripRefs(part.text);
  }
  return { chunk, text, starts };
}

/**
 * Each match of `pattern` in the chunk, with the sentence it stands in and
 * its line. Most rules match nowhere in most chunks, so the whole text is
 * tested first and only a chunk that matches is split into sentences (once):
 * this is what keeps the checks fast enough for a save in `kit dev`.
 */
function* matches(joined: Joined, pattern: RegExp): Generator<{ text: string; sentence: string; line: number }> {
  pattern.lastIndex = 0;
  const found = pattern.test(joined.text);
  // matchAll starts where test() left a global pattern.
  pattern.lastIndex = 0;
  if (!found) return;
  joined.sentences ??= [...joined.text.matchAll(/[^.!?;\n]+[.!?;]*/g)];
  for (const sentence of joined.sentences) {
    for (const m of sentence[0].matchAll(pattern)) {
      const at = sentence.index + m.index;
      let i = joined.starts.length - 1;
      while (i > 0 && joined.starts[i]! > at) i--;
      yield { text: m[0].trim(), sentence: sentence[0], line: joined.chunk.parts[i]!.line };
    }
  }
}

interface CompiledRule {
  concept: string;
  use: string;
  note: string;
  phrase: RegExp;
  context: RegExp[];
}

function compile(glossary: Glossary): CompiledRule[] {
  return Object.entries(glossary).flatMap(([concept, c]) =>
    c.avoid.map((a) => ({ concept, use: c.use, note: a.note ?? c.note, phrase: wordPattern(a.phrase), context: a.context.map((x) => new RegExp(x, "iu")) })),
  );
}

/** Reads and checks a locale's glossary; a bad entry is reported with its file, line and field. */
export function loadGlossary(parsed: Parsed | undefined, problems: Problem[]): Glossary | undefined {
  return parsed ? check(glossarySchema, parsed, problems) : undefined;
}

/** Region files a locale prints from: its region and every region it includes. */
export function regionChain(code: string, source: KitSource, seen = new Set<string>()): string[] {
  if (seen.has(code) || !source.regions.has(code)) return [];
  seen.add(code);
  const include = ((source.regions.get(code)!.data ?? {}) as { include?: string[] }).include ?? [];
  return [code, ...include.flatMap((c) => regionChain(c, source, seen))];
}

/** Every text a region file prints in `language`, each with its line. */
function regionChunks(parsed: Parsed, language: string): Chunk[] {
  const chunks: Chunk[] = [];
  const add = (value: unknown, keyPath: PropertyKey[]) => {
    if (value === undefined) return;
    const localized = value as Localized;
    const text = localize(localized, language);
    const key = typeof localized === "string" ? [] : [language in localized ? language : "en" in localized ? "en" : Object.keys(localized)[0]!];
    chunks.push({ file: parsed.file, parts: [{ text, line: parsed.lineOf([...keyPath, ...key]) ?? 1 }] });
  };
  const data = (parsed.data ?? {}) as Record<string, unknown>;
  add(data.name, ["name"]);
  for (const [role, text] of Object.entries((data.school ?? {}) as Record<string, unknown>)) add(text, ["school", role]);
  ((data.notes ?? []) as { text: unknown }[]).forEach((note, i) => add(note.text, ["notes", i, "text"]));
  ((data.lines ?? []) as Record<string, unknown>[]).forEach((line, i) => {
    for (const field of ["name", "short", "for", "hours"]) add(line[field], ["lines", i, field]);
    ((line.contacts ?? []) as Record<string, unknown>[]).forEach((contact, j) => {
      for (const field of ["label", "note"]) add(contact[field], ["lines", i, "contacts", j, field]);
    });
  });
  return chunks;
}

function stringChunks(parsed: Parsed): Chunk[] {
  return Object.entries((parsed.data ?? {}) as Record<string, string | string[]>).flatMap(([key, value]) =>
    (Array.isArray(value) ? value.map((v, i) => [v, [key, i]] as const) : [[value, [key]] as const]).map(([text, keyPath]) => ({
      file: parsed.file,
      parts: [{ text, line: parsed.lineOf(keyPath) ?? 1 }],
    })),
  );
}

/** The glossary's phrases in the chunks, each reported once per line with the term to use. */
export function glossaryProblems(glossary: Glossary, chunks: Chunk[], problems: Problem[]): void {
  const rules = compile(glossary);
  const any = anyOf(rules.map((r) => r.phrase));
  for (const chunk of chunks.map(join)) {
    if (!any.test(chunk.text)) continue;
    for (const rule of rules) {
      for (const m of matches(chunk, rule.phrase)) {
        if (!rule.context.every((c) => c.test(m.sentence))) continue;
        problems.push({ file: chunk.chunk.file, line: m.line, rule: `glossary/${rule.concept}`, message: `"${m.text}": use "${rule.use}" (${rule.note})` });
      }
    }
  }
}

/** A locale's glossary over its lessons, its strings and its region's texts in its language. */
export function checkGlossary(locale: Locale, loc: LocaleSource, source: KitSource, lessonChunksOf: (lesson: Lesson) => Chunk[], problems: Problem[]): Glossary | undefined {
  const glossary = loadGlossary(loc.glossary, problems);
  if (!glossary) return undefined;
  const chunks = [
    ...locale.lessons.filter((l) => !l.fallbackFrom).flatMap(lessonChunksOf),
    ...stringChunks(loc.strings),
    ...regionChain(locale.region.meta.region, source).flatMap((code) => regionChunks(source.regions.get(code)!, locale.meta.language)),
  ];
  glossaryProblems(glossary, chunks, problems);
  return glossary;
}

/**
 * Another region's local words (its country, festivals, services, school
 * terms) in this locale's lessons: a warning, since a word can be right in
 * two countries; `kit check --strict` fails on it.
 */
export function checkLocalTerms(locale: Locale, source: KitSource, lessonChunksOf: (lesson: Lesson) => Chunk[], problems: Problem[]): void {
  const own = new Set(regionChain(locale.region.meta.region, source));
  const termsOf = (code: string) => (((source.regions.get(code)?.data ?? {}) as { localTerms?: string[] }).localTerms ?? []);
  const ownTerms = new Set([...own].flatMap(termsOf).map((t) => t.toLowerCase()));
  const foreign = [...source.regions.keys()]
    .filter((code) => !own.has(code))
    .flatMap((code) => termsOf(code).filter((t) => !ownTerms.has(t.toLowerCase())).map((term) => ({ code, term, pattern: wordPattern(`${escapeRegExp(term)}(?:['’]?s)?`) })));
  if (!foreign.length) return;
  const any = anyOf(foreign.map((f) => f.pattern));
  for (const chunk of locale.lessons.filter((l) => !l.fallbackFrom).flatMap(lessonChunksOf).map(join)) {
    if (!any.test(chunk.text)) continue;
    for (const { code, pattern } of foreign) {
      for (const m of matches(chunk, pattern)) {
        problems.push({
          file: chunk.chunk.file,
          line: m.line,
          severity: "warning",
          rule: `local-terms/${code}`,
          message: `"${m.text}" is a local term of regions/${code}.yaml, but lessons/${locale.code} is for region ${locale.region.meta.region}: use this region's own word`,
        });
      }
    }
  }
}
