// What the tests of the shipped kit expect, read from the kit's own files
// (kit.config.yaml, lessons/*/locale.yaml, the lessons' front matter), so
// that a kit builder who adds a locale, a lesson or a region still sees
// `npm test` pass. Read with a plain YAML parser, not the build's loader,
// so the build is not checked against itself.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "./helpers.ts";

export interface LessonFacts {
  id: string;
  title: string;
  band: string;
}

export interface LocaleFacts {
  code: string;
  language: string;
  dir: string;
  region: string;
  /** The locale it is translated or adapted from, if any. */
  source?: string;
  /** Its own lesson files. */
  own: LessonFacts[];
  /** Every lesson it shows: its own, then its source's it lacks (shown with a notice). */
  lessons: LessonFacts[];
  strings: Record<string, string | string[]>;
}

export interface KitFacts {
  root: string;
  title: string;
  defaultLocale: string;
  quickExitUrl: string;
  locales: LocaleFacts[];
  locale(code: string): LocaleFacts;
  /** The default locale: every kit has it. */
  main: LocaleFacts;
}

function frontMatter(file: string): Record<string, unknown> {
  const text = readFileSync(file, "utf8");
  const end = text.indexOf("\n---", 4);
  return parse(text.slice(4, end)) as Record<string, unknown>;
}

export function kitFacts(root = PROJECT): KitFacts {
  const config = parse(readFileSync(path.join(root, "kit.config.yaml"), "utf8")) as Record<string, string>;
  const codes = readdirSync(path.join(root, "lessons"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(path.join(root, "lessons", e.name)).includes("locale.yaml"))
    .map((e) => e.name)
    .sort();
  const own = new Map<string, LessonFacts[]>();
  const raw = codes.map((code) => {
    const dir = path.join(root, "lessons", code);
    const meta = parse(readFileSync(path.join(dir, "locale.yaml"), "utf8")) as Record<string, string>;
    const lessons = readdirSync(dir)
      .filter((n) => n.endsWith(".md"))
      .sort()
      .map((n) => {
        const front = frontMatter(path.join(dir, n));
        return { id: n.slice(0, -3), title: String(front.title), band: String(front.band) };
      });
    own.set(code, lessons);
    const strings = JSON.parse(readFileSync(path.join(dir, "strings.json"), "utf8")) as LocaleFacts["strings"];
    return { code, language: meta.language!, dir: meta.dir ?? "ltr", region: meta.region!, source: meta.source, own: lessons, strings };
  });
  const locales: LocaleFacts[] = raw.map((l) => {
    const ids = new Set(l.own.map((x) => x.id));
    const borrowed = l.source ? (own.get(l.source) ?? []).filter((x) => !ids.has(x.id)) : [];
    return { ...l, lessons: [...l.own, ...borrowed] };
  });
  const locale = (code: string) => {
    const found = locales.find((l) => l.code === code);
    if (!found) throw new Error(`no locale ${code} in ${root}/lessons`);
    return found;
  };
  return {
    root,
    title: config.title!,
    defaultLocale: config.defaultLocale!,
    quickExitUrl: config.quickExitUrl ?? "https://www.google.com/",
    locales,
    locale,
    main: locale(config.defaultLocale!),
  };
}

/** The handout a lesson's teacher prints first: a guide for adults' lessons, else the plan. */
export const firstVariant = (lesson: LessonFacts) => (lesson.band === "adults" ? "guide" : "plan");

/** A UI string of a locale with its {placeholders} filled. */
export function uiString(locale: LocaleFacts, key: string, values: Record<string, string> = {}): string {
  const value = locale.strings[key];
  if (typeof value !== "string") throw new Error(`${locale.code}: no string ${key}`);
  return value.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
