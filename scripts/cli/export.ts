// `kit export <locale> [--format xliff|po] [--out FILE]`: the source
// locale's text, cut into segments, as a file translators' tools read
// (Weblate, Crowdin, Poedit, OmegaT), with the locale's existing
// translations filled in where they line up with the source. `kit import`
// reads the same file back.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import gettextParser, { type PoEntry } from "gettext-parser";
import js2xliff, { type XliffText, type XliffUnit } from "xliff/js2xliff";
import { isMap, isScalar } from "yaml";
import { KitError, UsageError } from "../core/problems.ts";
import { localize, type Localized } from "../core/schema.ts";
import { lessonSegments, splitProtected, yamlDocument, type YamlPath } from "../core/segments.ts";
import { LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";
import type { Kit, Lesson, Locale } from "../pipeline/validate.ts";

export const FORMATS = ["xliff", "po"] as const;
export type Format = (typeof FORMATS)[number];

/** Where a segment's translation goes back to. */
export type Place =
  | { kind: "lesson"; lesson: string; path: string }
  | { kind: "string"; key: string; index?: number }
  | { kind: "region"; file: string; yaml: YamlPath };

export interface Unit {
  /** Stable id: file (without locale) and structural path, e.g. `lessons/11-13-x.md#b12.p2`. */
  id: string;
  /** The file part of the id: one XLIFF `<file>` each. */
  file: string;
  source: string;
  /** The locale's translation, where it lines up with the source. */
  target?: string;
  /** What the locale has at this place now (an untranslated copy's text too), to tell a change. */
  current?: string;
  note: string;
  place: Place;
}

/** One lesson of the target locale, as import needs it. */
export interface LessonPlan {
  id: string;
  /** The target file, relative to the kit root. */
  file: string;
  sourceText: string;
  /** Undefined when the locale lacks the lesson (import creates it). */
  targetText?: string;
  lined: boolean;
}

export interface Collected {
  source: Locale;
  target: Locale;
  units: Unit[];
  lessons: Map<string, LessonPlan>;
  /** What the translator should know (lessons that do not line up, texts left out). */
  notes: string[];
}

function localeOf(kit: Kit, code: string): { source: Locale; target: Locale } {
  const target = kit.locales.find((l) => l.code === code);
  if (!target) throw new UsageError(`no locale "${code}", expected one of ${kit.locales.map((l) => l.code).join(", ")}`);
  const source = kit.locales.find((l) => l.code === target.meta.source);
  if (!source) throw new UsageError(`${code} is the source locale (its locale.yaml names no source): export a locale translated from it, e.g. ${kit.locales.filter((l) => l.meta.source).map((l) => l.code).join(", ") || "one made with kit new-locale"}`);
  return { source, target };
}

/** Every unit of a target locale: lessons, strings, region texts. */
export async function collectUnits(kit: Kit, code: string): Promise<Collected> {
  const { source, target } = localeOf(kit, code);
  const units: Unit[] = [];
  const lessons = new Map<string, LessonPlan>();
  const notes: string[] = [];
  for (const lesson of source.lessons.filter((l) => !l.fallbackFrom)) {
    const own = target.lessons.find((l) => l.id === lesson.id && !l.fallbackFrom);
    lessonUnits(lesson, own, source, target, units, lessons, notes);
  }
  await stringUnits(kit.root, source.code, target.code, units, notes);
  await regionUnits(kit.root, source, target, units, notes);
  return { source, target, units, lessons, notes };
}

function lessonUnits(lesson: Lesson, own: Lesson | undefined, source: Locale, target: Locale, units: Unit[], lessons: Map<string, LessonPlan>, notes: string[]): void {
  const file = `${LESSONS_DIR}/${lesson.id}.md`;
  const targetFile = `${LESSONS_DIR}/${target.code}/${lesson.id}.md`;
  const src = lessonSegments(lesson.text);
  const have = own ? lessonSegments(own.text) : undefined;
  const lined = !have || have.shape.join("\n") === src.shape.join("\n");
  lessons.set(lesson.id, { id: lesson.id, file: targetFile, sourceText: lesson.text, targetText: own?.text, lined });
  let note = "";
  if (!own) note = `${targetFile} does not exist yet: a translation here creates it.`;
  else if (!lined) {
    note = `${targetFile} does not line up with ${source.code}'s (its blocks, lists or paragraphs differ: an adaptation), so its text is not filled in here; edit its Markdown instead.`;
    notes.push(note);
  }
  const untranslated = own?.meta.translation?.status === "untranslated";
  const current = new Map((lined ? have?.segments ?? [] : []).map((s) => [s.path, s.text]));
  for (const seg of src.segments) {
    const now = current.get(seg.path);
    units.push({
      id: `${file}#${seg.path}`,
      file,
      source: seg.text,
      target: untranslated ? undefined : now,
      current: now,
      note: [seg.context, note].filter(Boolean).join(". "),
      place: { kind: "lesson", lesson: lesson.id, path: seg.path },
    });
  }
}

async function stringUnits(root: string, from: string, to: string, units: Unit[], notes: string[]): Promise<void> {
  const read = (code: string) => readFile(path.join(root, LESSONS_DIR, code, "strings.json"), "utf8");
  const src = JSON.parse(await read(from)) as Record<string, string | string[]>;
  const own = JSON.parse(await read(to)) as Record<string, string | string[]>;
  const file = "strings.json";
  for (const [key, value] of Object.entries(src)) {
    const mine = own[key];
    if (typeof value === "string") {
      const now = typeof mine === "string" ? mine : undefined;
      units.push({ id: `${file}#${key}`, file, source: value, target: now, current: now, note: `UI string ${key}: keep every {placeholder}`, place: { kind: "string", key } });
      continue;
    }
    const lined = Array.isArray(mine) && mine.length === value.length;
    if (!lined && mine !== undefined) notes.push(`strings.json ${key}: ${to} has a different number of lines than ${from}, so they are not filled in.`);
    value.forEach((line, i) => {
      const now = lined ? mine[i] : undefined;
      units.push({ id: `${file}#${key}.${i + 1}`, file, source: line, target: now, current: now, note: `UI string ${key}, line ${i + 1} of ${value.length}`, place: { kind: "string", key, index: i } });
    });
  }
}

/** The region file and those it includes, in order, each once. */
async function regionFiles(root: string, code: string, seen = new Set<string>()): Promise<{ file: string; text: string }[]> {
  if (seen.has(code)) return [];
  seen.add(code);
  const file = `${REGIONS_DIR}/${code}.yaml`;
  const text = await readFile(path.join(root, file), "utf8");
  const include = (yamlDocument(text).toJS() as { include?: string[] }).include ?? [];
  const rest = await Promise.all(include.map((inc) => regionFiles(root, inc, seen)));
  return [{ file, text }, ...rest.flat()];
}

/** Paths of a region file's texts (names, what lines are for, hours, contact labels and notes, school words, notes), with readable ids. */
function regionPaths(data: Record<string, unknown>): { id: string; yaml: YamlPath; note: string }[] {
  const out: { id: string; yaml: YamlPath; note: string }[] = [{ id: "name", yaml: ["name"], note: "the country's name" }];
  for (const role of Object.keys((data.school as object | undefined) ?? {})) out.push({ id: `school.${role}`, yaml: ["school", role], note: `how schools name ${role}: reads inside a sentence` });
  ((data.notes as unknown[] | undefined) ?? []).forEach((_, i) => out.push({ id: `notes.${i + 1}.text`, yaml: ["notes", i, "text"], note: "a fact about the region, with its source" }));
  ((data.lines as { id: string; contacts?: unknown[] }[] | undefined) ?? []).forEach((line, i) => {
    for (const field of ["name", "short", "for", "hours"]) out.push({ id: `lines.${line.id}.${field}`, yaml: ["lines", i, field], note: `help line ${line.id}: ${field}` });
    (line.contacts ?? []).forEach((_, j) => {
      for (const field of ["label", "note"]) out.push({ id: `lines.${line.id}.contacts.${j + 1}.${field}`, yaml: ["lines", i, "contacts", j, field], note: `help line ${line.id}, contact ${j + 1}: ${field}` });
    });
  });
  return out;
}

async function regionUnits(root: string, source: Locale, target: Locale, units: Unit[], notes: string[]): Promise<void> {
  const from = source.meta.language;
  const to = target.meta.language;
  if (from === to) {
    notes.push(`Region texts are left out: ${target.code} and ${source.code} are both in "${to}", and region ${target.meta.region}'s texts are already written in it.`);
    return;
  }
  for (const { file, text } of await regionFiles(root, target.meta.region)) {
    const doc = yamlDocument(text);
    for (const p of regionPaths(doc.toJS() as Record<string, unknown>)) {
      const node = doc.getIn(p.yaml, true);
      if (!isScalar(node) && !isMap(node)) continue;
      const raw = doc.getIn(p.yaml) as unknown;
      // A number or date written bare (short: 988) reads as the text it shows.
      const value: Localized = raw !== null && typeof raw === "object" && !(raw instanceof Date) ? (raw as Record<string, string>) : String(raw);
      const mine = typeof value === "object" && value[to] !== undefined ? String(value[to]) : undefined;
      units.push({ id: `${file}#${p.id}`, file, source: String(localize(value, from)), target: mine, current: String(localize(value, to)), note: p.note, place: { kind: "region", file, yaml: p.yaml } });
    }
  }
}

/** XLIFF ids are NMTOKENs: no slash or hash. The readable id goes in `name`. */
export function xliffId(text: string): string {
  return text.replace(/[^\p{L}\p{N}._:-]/gu, "_");
}

/**
 * Ids of a text's `<ph>` elements, from the tokens themselves ("ref-call-first",
 * "var-checked", a second one "ref-call-first.2"): the same token has the same
 * id in source and target, so a tool can match them.
 */
export function inlineIds(text: string): string[] {
  const seen = new Map<string, number>();
  return splitProtected(text)
    .filter((p): p is { token: string } => typeof p !== "string")
    .map(({ token }) => {
      const base = `${token.startsWith("[[") ? "ref" : "var"}-${xliffId(token.replace(/[[\]{}]/g, ""))}`;
      const k = (seen.get(base) ?? 0) + 1;
      seen.set(base, k);
      return k === 1 ? base : `${base}.${k}`;
    });
}

/** The XLIFF 2.0 (core) document: one `<file>` per source file, `[[references]]` and `{placeholders}` as `<ph>` the translator may neither delete nor copy. */
export async function toXliff(c: Collected): Promise<string> {
  const inline = (text: string): XliffText => {
    const ids = inlineIds(text);
    let n = 0;
    const parts = splitProtected(text).map((p) => (typeof p === "string" ? p : { Standalone: { id: ids[n++]!, equiv: p.token, disp: p.token, canCopy: "no", canDelete: "no" } }));
    return parts.length === 1 && typeof parts[0] === "string" ? parts[0] : parts;
  };
  const resources: Record<string, Record<string, XliffUnit>> = {};
  for (const u of c.units) {
    const file = (resources[xliffId(u.file)] ??= {});
    file[xliffId(u.id.slice(u.file.length + 1))] = {
      source: inline(u.source),
      ...(u.target !== undefined ? { target: inline(u.target) } : {}),
      note: u.note,
      additionalAttributes: { name: u.id },
    };
  }
  // Compact, because indentation inside <source> would become part of the text; a
  // line break before each unit keeps the file readable and is not text.
  const xml = await js2xliff({ sourceLanguage: c.source.code, targetLanguage: c.target.code, resources }, { indent: "" });
  // The library writes no segment state; a tool shows a filled target as translated only when told.
  const stated = xml.replace(/<segment>(?=<source>(?:(?!<\/segment>).)*<target>)/gs, '<segment state="translated">');
  return `${stated.replace(/<(file|unit|\/file|\/xliff)\b/g, "\n<$1")}\n`;
}

export function toPo(c: Collected): Buffer {
  const translations: Record<string, Record<string, PoEntry>> = {};
  for (const u of c.units) {
    translations[u.id] = { [u.source]: { msgctxt: u.id, msgid: u.source, msgstr: [u.target ?? ""], comments: { extracted: `${u.note.replace(/\.$/, "")}. Keep every [[reference]] and {placeholder} exactly.`, reference: u.file } } };
  }
  return gettextParser.po.compile(
    {
      charset: "utf-8",
      headers: { "Project-Id-Version": "talk-early", Language: c.target.code, "X-Source-Language": c.source.code, "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit" },
      translations: { "": { "": { msgid: "", msgstr: [""] } }, ...translations },
    },
    { foldLength: 0 },
  );
}

export interface ExportResult {
  file: string;
  units: number;
  filled: number;
  notes: string[];
}

export async function exportTranslations(kit: Kit, code: string, format: Format, out?: string): Promise<ExportResult> {
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${FORMATS.join(", ")}`);
  const collected = await collectUnits(kit, code);
  const file = path.resolve(out ?? path.join(kit.root, "output", "translations", `${code}.${format === "xliff" ? "xlf" : "po"}`));
  if (!collected.units.length) throw new KitError([{ file: `lessons/${code}`, message: "nothing to translate" }]);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, format === "xliff" ? await toXliff(collected) : toPo(collected));
  return { file, units: collected.units.length, filled: collected.units.filter((u) => u.target !== undefined).length, notes: collected.notes };
}
