// Stage 1: read the kit's source files from disk and parse them, keeping
// enough position information to name the line of any later problem.
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { Problem } from "../core/problems.ts";
import { relativeFile } from "../core/problems.ts";

/** A parsed YAML (or JSON) document that can name the line of any field. */
export interface Parsed {
  /** Path relative to the project root, for messages. */
  file: string;
  data: unknown;
  /** Line of the value at `keyPath`, or of its nearest parent that exists. */
  lineOf(keyPath: readonly PropertyKey[]): number | undefined;
}

export interface LessonSource {
  /** File name without `.md`: the lesson id. */
  id: string;
  locale: string;
  file: string;
  /** The whole file, for source hashes. */
  text: string;
  front: Parsed;
  body: string;
  /** 1-based line of the file on which the body starts. */
  bodyLine: number;
}

export interface LocaleSource {
  code: string;
  dir: string;
  meta: Parsed;
  strings: Parsed;
  /** `glossary.yaml`, when the locale has one (it is optional). */
  glossary?: Parsed;
  lessons: LessonSource[];
}

export interface KitSource {
  root: string;
  config: Parsed;
  regions: Map<string, Parsed>;
  locales: LocaleSource[];
}

export const LESSONS_DIR = "lessons";
export const REGIONS_DIR = "regions";
export const CONFIG_FILE = "kit.config.yaml";
export const GLOSSARY_FILE = "glossary.yaml";

/**
 * The last parse of each file, by its text: `kit dev` loads the whole kit
 * again on every save, and parsing YAML was a third of that. Only the
 * parse is kept, and only read (line look-ups): each load still makes its own
 * data with `toJS()`, so nothing a later stage does to it is shared.
 */
const parses = new Map<string, { text: string; doc: Document; lc: LineCounter }>();

function parseOnce(text: string, file: string, firstLine: number): { doc: Document; lc: LineCounter } {
  const key = `${file}\0${firstLine}`;
  const last = parses.get(key);
  if (last?.text === text) return last;
  const lc = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  parses.set(key, { text, doc, lc });
  return { doc, lc };
}

function parseYaml(text: string, file: string, firstLine: number, problems: Problem[]): Parsed {
  const { doc, lc } = parseOnce(text, file, firstLine);
  const reported = new Set<number>();
  for (const err of doc.errors) {
    // One syntax error often yields several follow-on errors on its line.
    const line = (err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line) + firstLine - 1;
    if (reported.has(line)) continue;
    reported.add(line);
    problems.push({ file, line, message: `not valid YAML: ${err.message.split("\n")[0]}` });
  }
  const lineOf = (keyPath: readonly PropertyKey[]) => {
    for (let n = keyPath.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(keyPath.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line + firstLine - 1;
    }
    return undefined;
  };
  return { file, data: doc.errors.length ? undefined : doc.toJS(), lineOf };
}

async function readParsed(file: string, root: string, problems: Problem[]): Promise<Parsed> {
  const rel = relativeFile(file, root);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    problems.push({ file: rel, message: "file is missing" });
    return { file: rel, data: undefined, lineOf: () => undefined };
  }
  if (file.endsWith(".json")) {
    // YAML reads most broken JSON happily (a trailing comma, single quotes):
    // JSON files are held to JSON, with the line of the first error.
    try {
      JSON.parse(text);
    } catch (error) {
      const at = /position (\d+)/.exec(error instanceof Error ? error.message : "");
      const line = at ? text.slice(0, Number(at[1])).split("\n").length : undefined;
      const reason = (error instanceof Error ? error.message : String(error)).replace(/ in JSON at position \d+.*$/, "");
      problems.push({ file: rel, line, message: `not valid JSON: ${reason}` });
      return { file: rel, data: undefined, lineOf: () => undefined };
    }
  }
  return parseYaml(text, rel, 1, problems);
}

/** Splits `---` front matter from the body; YAML lines keep their file numbers. */
export function parseLesson(text: string, file: string, locale: string, problems: Problem[]): LessonSource {
  const id = path.basename(file, ".md");
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") {
    problems.push({ file, line: 1, field: "front matter", message: "a lesson starts with `---` and YAML front matter" });
    return { id, locale, file, text, front: { file, data: undefined, lineOf: () => 1 }, body: text, bodyLine: 1 };
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (close < 0) {
    problems.push({ file, line: 1, field: "front matter", message: "front matter is not closed by a `---` line" });
    return { id, locale, file, text, front: { file, data: undefined, lineOf: () => 1 }, body: "", bodyLine: lines.length };
  }
  const front = parseYaml(lines.slice(1, close).join("\n"), file, 2, problems);
  return { id, locale, file, text, front, body: lines.slice(close + 1).join("\n"), bodyLine: close + 2 };
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

export async function loadLocale(root: string, code: string, problems: Problem[]): Promise<LocaleSource> {
  const dir = path.join(root, LESSONS_DIR, code);
  const names = (await readdir(dir)).filter((n) => n.endsWith(".md") && !n.startsWith("_")).sort();
  const lessons = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      return parseLesson(await readFile(file, "utf8"), relativeFile(file, root), code, problems);
    }),
  );
  const glossaryFile = path.join(dir, GLOSSARY_FILE);
  const hasGlossary = await stat(glossaryFile).then((s) => s.isFile(), () => false);
  return {
    code,
    dir,
    meta: await readParsed(path.join(dir, "locale.yaml"), root, problems),
    strings: await readParsed(path.join(dir, "strings.json"), root, problems),
    glossary: hasGlossary ? await readParsed(glossaryFile, root, problems) : undefined,
    lessons,
  };
}

/** Locale folders are those under lessons/ that hold a locale.yaml. */
export async function listLocales(root: string): Promise<string[]> {
  const base = path.join(root, LESSONS_DIR);
  const entries = await readdir(base).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of entries.sort()) {
    const dir = path.join(base, name);
    if ((await isDir(dir)) && (await stat(path.join(dir, "locale.yaml")).then(() => true, () => false))) found.push(name);
  }
  return found;
}

export async function loadKit(root: string, problems: Problem[]): Promise<KitSource> {
  const config = await readParsed(path.join(root, CONFIG_FILE), root, problems);
  const regionDir = path.join(root, REGIONS_DIR);
  const regionFiles = (await readdir(regionDir).catch(() => [] as string[])).filter((n) => n.endsWith(".yaml")).sort();
  const regions = new Map<string, Parsed>();
  for (const name of regionFiles) {
    regions.set(path.basename(name, ".yaml"), await readParsed(path.join(regionDir, name), root, problems));
  }
  const codes = await listLocales(root);
  if (codes.length === 0) problems.push({ file: LESSONS_DIR, message: "no locale found: expected lessons/<locale>/locale.yaml" });
  const locales = await Promise.all(codes.map((code) => loadLocale(root, code, problems)));
  return { root, config, regions, locales };
}
