// `kit import <file>`: a translated XLIFF 2.0 or PO file (from `kit
// export`, after a translation tool) written back into the target locale:
// each changed segment patched in place, every other byte kept. Anything
// that would lose a block, a reference or a placeholder is refused, file by
// file and segment by segment, and then nothing at all is written.
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import gettextParser from "gettext-parser";
import type { XliffText } from "xliff/js2xliff";
import xliff2js from "xliff/xliff2js";
import { KitError, UsageError, type Problem } from "../core/problems.ts";
import { addJsonKey, normalise, patchLesson, patchScalars, protectedProblem, setLocalized, splitProtected, structureProblem } from "../core/segments.ts";
import { markUntranslated } from "./new-locale.ts";
import { LESSONS_DIR } from "../pipeline/load.ts";
import { sourceHash } from "../pipeline/translations.ts";
import type { Kit } from "../pipeline/validate.ts";
import { collectUnits, inlineIds, type Collected, type Unit } from "./export.ts";

interface Translated {
  source: string;
  target: string;
  id: string;
  /** Inline `<ph>` ids the target used, to check them against the source's. */
  unknownMarkup?: string;
}

interface ReadFile {
  sourceLocale: string;
  targetLocale: string;
  units: Translated[];
}

/** Text of an XLIFF source or target, `<ph>` elements as the tokens they stand for. */
function xliffText(value: XliffText | undefined, tokens: Map<string, string>, unknown: string[]): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return value
    .map((part) => {
      if (typeof part === "string") return part;
      const [type, el] = Object.entries(part)[0]!;
      if (type === "Standalone") {
        const token = tokens.get(el.id) ?? (typeof el.equiv === "string" ? el.equiv : undefined);
        if (token === undefined) unknown.push(el.id);
        return token ?? "";
      }
      // A tool's own markup (a term, a comment span): its text counts, the markup does not.
      return xliffText(el.contents, tokens, unknown);
    })
    .join("");
}

async function readXliff(text: string): Promise<ReadFile> {
  const js = await xliff2js(text);
  const units: Translated[] = [];
  for (const [fileId, file] of Object.entries(js.resources)) {
    for (const [unitId, unit] of Object.entries(file)) {
      const id = unit.additionalAttributes?.name ?? `${fileId}#${unitId}`;
      const tokens = new Map<string, string>();
      const source = xliffText(unit.source, tokens, []);
      // The source's <ph> ids, named as export names them.
      const ids = inlineIds(source);
      splitProtected(source).filter((p) => typeof p !== "string").forEach((p, i) => tokens.set(ids[i]!, (p as { token: string }).token));
      const unknown: string[] = [];
      const target = xliffText(unit.target, tokens, unknown);
      units.push({ id, source, target, unknownMarkup: unknown.length ? unknown.join(", ") : undefined });
    }
  }
  return { sourceLocale: js.sourceLanguage, targetLocale: js.targetLanguage, units };
}

function readPo(data: Buffer): ReadFile {
  const po = gettextParser.po.parse(data);
  const units: Translated[] = [];
  for (const entries of Object.values(po.translations)) {
    for (const entry of Object.values(entries)) {
      if (!entry.msgid || !entry.msgctxt) continue;
      // A fuzzy entry is the tool's guess, not a translation.
      if (/\bfuzzy\b/.test(entry.comments?.flag ?? "")) continue;
      units.push({ id: entry.msgctxt, source: entry.msgid, target: entry.msgstr[0] ?? "" });
    }
  }
  return { sourceLocale: po.headers["X-Source-Language"] ?? "", targetLocale: po.headers.Language ?? "", units };
}

export async function readTranslationFile(file: string): Promise<ReadFile> {
  const data = await readFile(file).catch(() => {
    throw new UsageError(`${file}: no such file to import`);
  });
  const text = data.toString("utf8");
  try {
    return /^\s*(<\?xml|<xliff)/.test(text) ? await readXliff(text) : readPo(data);
  } catch (error) {
    throw new KitError([{ file, message: `not a readable XLIFF 2.0 or PO file: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` }]);
  }
}

interface Change {
  unit: Unit;
  text: string;
}

/** Checks one translated segment against the kit; a change, nothing, or a problem. */
function judge(t: Translated, unit: Unit | undefined, c: Collected, file: string, problems: Problem[]): Change | undefined {
  const problem = (message: string, where = file) => problems.push({ file: where, field: t.id, message });
  if (!t.target.trim()) return undefined;
  if (!unit) return void problem("no such segment in this kit: export the file again from the current kit");
  const lesson = unit.place.kind === "lesson";
  const text = lesson || unit.place.kind === "region" ? normalise(t.target) : t.target;
  // Unchanged, or the source copied over where nothing was translated yet (as some tools pre-fill).
  if (text === unit.current || (unit.current === undefined && text === (unit.place.kind === "string" ? unit.source : normalise(unit.source)))) return undefined;
  if (normalise(t.source) !== normalise(unit.source)) return void problem(`its source text changed since the file was exported (now "${unit.source}"): export again and translate the new text`);
  if (t.unknownMarkup) return void problem(`has inline markup the source does not (${t.unknownMarkup}): keep the source's [[references]] and {placeholders} as they are`);
  const where = unit.place.kind === "lesson" ? c.lessons.get(unit.place.lesson)!.file : unit.place.kind === "string" ? `${LESSONS_DIR}/${c.target.code}/strings.json` : unit.place.file;
  const broken = protectedProblem(unit.source, t.target) ?? (lesson ? structureProblem(t.target) : undefined);
  if (broken) return void problem(broken, where);
  if (lesson && !c.lessons.get((unit.place as { lesson: string }).lesson)!.lined) {
    return void problem(`does not line up with ${c.source.code}'s lesson (its blocks differ, as in an adaptation), so this segment has no place there: edit its Markdown instead`, where);
  }
  return { unit, text };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await writeFile(`${file}.import-tmp`, text);
  await rename(`${file}.import-tmp`, file);
}

export interface ImportResult {
  locale: string;
  files: string[];
  segments: number;
}

export async function importTranslations(kit: Kit, file: string): Promise<ImportResult> {
  const read = await readTranslationFile(file);
  const shown = path.relative(process.cwd(), file) || file;
  if (!kit.locales.some((l) => l.code === read.targetLocale)) throw new KitError([{ file: shown, field: "target language", message: `names locale "${read.targetLocale}", which this kit does not have (expected one of ${kit.locales.map((l) => l.code).join(", ")})` }]);
  const c = await collectUnits(kit, read.targetLocale);
  if (read.sourceLocale && read.sourceLocale !== c.source.code) throw new KitError([{ file: shown, field: "source language", message: `was exported from ${read.sourceLocale}, but ${c.target.code} is translated from ${c.source.code}` }]);
  const byId = new Map(c.units.map((u) => [u.id, u]));
  const problems: Problem[] = [];
  const changes = read.units.map((t) => judge(t, byId.get(t.id), c, shown, problems)).filter((x): x is Change => x !== undefined);
  const writes = problems.length ? new Map<string, string>() : await patchFiles(kit, c, changes, problems);
  if (problems.length) throw new KitError(problems);
  for (const [target, text] of writes) await writeAtomic(path.join(kit.root, target), text);
  return { locale: c.target.code, files: [...writes.keys()], segments: changes.length };
}

/** The new text of every file a change touches; a problem (file, segment) for any that does not fit back. */
async function patchFiles(kit: Kit, c: Collected, changes: Change[], problems: Problem[]): Promise<Map<string, string>> {
  const writes = new Map<string, string>();
  const group = <K>(key: (ch: Change) => K | undefined) => {
    const m = new Map<K, Change[]>();
    for (const ch of changes) {
      const k = key(ch);
      if (k !== undefined) m.set(k, [...(m.get(k) ?? []), ch]);
    }
    return m;
  };
  const attempt = (file: string, list: Change[], make: () => string) => {
    try {
      writes.set(file, make());
    } catch (error) {
      problems.push({ file, field: list.map((ch) => ch.unit.id).join(", "), message: error instanceof Error ? error.message : String(error) });
    }
  };
  for (const [id, list] of group((ch) => (ch.unit.place.kind === "lesson" ? ch.unit.place.lesson : undefined))) {
    const plan = c.lessons.get(id)!;
    const base = plan.targetText ?? markUntranslated(plan.sourceText, c.source.code);
    const texts = new Map(list.map((ch) => [(ch.unit.place as { path: string }).path, ch.text]));
    attempt(plan.file, list, () => patchLesson(base, texts, { source: c.source.code, sourceHash: sourceHash(plan.sourceText) }));
  }
  const strings = changes.filter((ch) => ch.unit.place.kind === "string");
  if (strings.length) {
    const file = `${LESSONS_DIR}/${c.target.code}/strings.json`;
    const text = await readFile(path.join(kit.root, file), "utf8");
    attempt(file, strings, () => patchStrings(text, strings));
  }
  for (const [file, list] of group((ch) => (ch.unit.place.kind === "region" ? ch.unit.place.file : undefined))) {
    const text = await readFile(path.join(kit.root, file), "utf8");
    attempt(file, list, () => list.reduce((t, ch) => setLocalized(t, (ch.unit.place as { yaml: (string | number)[] }).yaml, c.target.meta.language, c.source.meta.language, ch.text), text));
  }
  return writes;
}

function patchStrings(text: string, list: Change[]): string {
  const own = JSON.parse(text) as Record<string, unknown>;
  let out = text;
  const edits = [];
  for (const ch of list) {
    const place = ch.unit.place as { key: string; index?: number };
    if (own[place.key] === undefined) {
      if (place.index !== undefined) throw new Error(`${ch.unit.id}: ${place.key} is a list this locale does not have yet: add it to strings.json by hand`);
      out = addJsonKey(out, place.key, ch.text);
    } else edits.push({ path: place.index === undefined ? [place.key] : [place.key, place.index], value: ch.text });
  }
  return edits.length ? patchScalars(out, edits, true) : out;
}
