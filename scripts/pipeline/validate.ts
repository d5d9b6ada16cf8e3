// Stage 2: check what was loaded against the schemas and against each
// other (message ids, help line ids, bands), collecting every problem.
import type Token from "markdown-it/lib/token.mjs";
import type { z } from "zod";
import type { KitSource, LessonSource, LocaleSource, Parsed } from "./load.ts";
import { argProblem, BLOCK_NAMES, BLOCKS, blocksFor, isBlockName, type BlockName } from "../core/blocks.ts";
import { needsCallingCode } from "../core/contacts.ts";
import { lessonVariants, type LessonVariant } from "../core/handouts.ts";
import { blockParams, markdown, type AnswerMeta } from "../core/markdown.ts";
import { isWarning, type Problem } from "../core/problems.ts";
import { isLineRole, isSchoolRole, LINE_ROLE_NAMES, SCHOOL_REF, SCHOOL_ROLE_NAMES, type LineRole, type SchoolRole } from "../core/roles.ts";
import {
  kitConfigSchema,
  lessonSchema,
  localeSchema,
  MESSAGES,
  regionSchema,
  stringsSchema,
  localize,
  localizeLine,
  type HelpLine,
  type RegionLine,
  type KitConfig,
  type LessonMeta,
  type LocaleMeta,
  type MessageId,
  type RegionMeta,
  type Strings,
} from "../core/schema.ts";

export interface BlockUse {
  name: BlockName;
  args: string[];
  line: number;
}

/** A token of the body with its line in the file, for checks that read text. */
export interface TextRun {
  text: string;
  line: number;
  /** Innermost block the text stands in, if any. */
  block?: BlockName;
}

export interface Lesson extends LessonSource {
  meta: LessonMeta;
  blocks: BlockUse[];
  /** Body text by line, outside code, for content checks. */
  runs: TextRun[];
  /** Handouts this lesson produces. */
  variants: LessonVariant[];
  /** Help lines, line roles and school roles the lesson names (`[[name]]` and `::: helplines`), as written. */
  helplineIds: string[];
  /** Set when the locale lacks this lesson and shows its source locale's instead. */
  fallbackFrom?: string;
}

export interface Region {
  meta: RegionMeta;
  /** Own lines and those of included regions, by id, as written (all languages). */
  lines: Map<string, RegionLine>;
  /** Which lines fill each role: the region's own, else an included region's. */
  roles: Map<LineRole, string[]>;
}

export interface Locale {
  code: string;
  meta: LocaleMeta;
  strings: Strings;
  region: Region;
  /** The region's lines in this locale's language. */
  lines: Map<string, HelpLine>;
  /** The region's school roles in this locale's language. */
  school: Partial<Record<SchoolRole, string>>;
  lessons: Lesson[];
}

export interface Kit {
  root: string;
  config: KitConfig;
  locales: Locale[];
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  let value: unknown = data;
  for (const key of issue.path) value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  if (value === undefined && issue.code === "invalid_type") return `is missing (expected ${issue.expected})`;
  if (issue.code === "invalid_type" && issue.expected === "string" && value && typeof value === "object" && !Array.isArray(value)) {
    return "expected text but found a YAML mapping: text containing \": \" must be put in quotes";
  }
  if (issue.code === "invalid_value") return `is ${JSON.stringify(value)}, expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  if (issue.code === "unrecognized_keys" && issue.keys.includes("main") && issue.path.length === 0 && data && typeof data === "object" && "lines" in data) {
    return "unknown field main: the line in every handout footer is now the call-first role (roles: { call-first: <line id> })";
  }
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  return issue.message;
}

/** Runs a schema over a parsed file; each issue names its field and line. */
export function check<S extends z.ZodType>(schema: S, parsed: Parsed, problems: Problem[]): z.infer<S> | undefined {
  if (parsed.data === undefined) return undefined; // the parse problem is already reported
  const result = schema.safeParse(parsed.data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    // An unknown field is reported on its own line, not its parent's.
    const keyPath = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
    problems.push({
      file: parsed.file,
      line: parsed.lineOf(keyPath),
      field: issue.path.length ? issue.path.join(".") : undefined,
      message: describeIssue(issue, parsed.data),
    });
  }
  return undefined;
}

function inlineRuns(token: Token, line: number, block: BlockName | undefined, runs: TextRun[], onChild: (child: Token, line: number) => void) {
  let current = line;
  for (const child of token.children ?? []) {
    if (child.type === "softbreak" || child.type === "hardbreak") current++;
    if (child.type === "text" || child.type === "code_inline") runs.push({ text: child.content, line: current, block });
    onChild(child, current);
  }
}

/** What a lesson body may name: the region's lines, and the roles the kit knows. */
interface Names {
  lines: ReadonlyMap<string, unknown>;
  /** Lines of other regions, with the roles they fill there: a copied lesson is told which role to name. */
  elsewhere?: ReadonlyMap<string, { region: string; roles: LineRole[] }>;
}

/** `::: x` opened on `line` with no `:::` of its own before the next block or the end. */
function unclosed(token: Token, sourceLines: readonly string[]): boolean {
  const end = token.map?.[1];
  return end === undefined || !/^\s*:{3,}\s*$/.test(sourceLines[end] ?? "");
}

/** Walks the body once: blocks, text runs, and the structural problems. */
function readBody(source: LessonSource, names: Names, problems: Problem[]): { blocks: BlockUse[]; runs: TextRun[]; helplineIds: string[] } {
  const tokens = markdown().parse(source.body, {});
  const sourceLines = source.body.split(/\r?\n/);
  const blocks: BlockUse[] = [];
  const runs: TextRun[] = [];
  const named = new Set<string>();
  const open: BlockName[] = [];
  const at = (token: Token) => (token.map ? token.map[0] + source.bodyLine : source.bodyLine);
  const problem = (line: number, field: string, message: string) => problems.push({ file: source.file, line, field, message });
  const known = (name: string) => {
    const other = names.elsewhere?.get(name);
    if (other?.roles.length) return `it is a line of regions/${other.region}.yaml: name the need instead, ${other.roles.map((r) => `[[${r}]]`).join(" or ")}`;
    return `expected a role (${LINE_ROLE_NAMES.join(", ")}) or a line of this locale's region (${[...names.lines.keys()].join(", ")})`;
  };
  const checkName = (name: string, line: number, field: string) => {
    const school = SCHOOL_REF.exec(name);
    if (school) {
      if (!isSchoolRole(school[1]!)) problem(line, field, `unknown school role "${school[1]}", expected one of ${SCHOOL_ROLE_NAMES.join(", ")}`);
    } else if (!names.lines.has(name) && !isLineRole(name)) problem(line, field, `unknown help line "${name}": ${known(name)}`);
    named.add(name);
  };
  const checkHref = (href: string, line: number) => {
    if (/^\s*(javascript|data|vbscript|file):/i.test(href)) problem(line, "link", `link to "${href.slice(0, 40)}" is not allowed: use https: addresses from region data`);
  };
  for (const token of tokens) {
    const line = at(token);
    if (token.type === "container_unknown_open") {
      problem(line, "block", `unknown block "::: ${blockParams(token.info).name}", expected one of ${BLOCK_NAMES.join(", ")}`);
    } else if (token.type.startsWith("container_") && token.type.endsWith("_open")) {
      const { name, args } = blockParams(token.info);
      if (!isBlockName(name)) continue;
      if (open.length) problem(line, `::: ${name}`, `blocks cannot be nested: "::: ${open.at(-1)}" is still open (close it with ":::" first)`);
      else if (unclosed(token, sourceLines)) problem(line, `::: ${name}`, `is never closed: end the block with a line holding only ":::"`);
      open.push(name);
      blocks.push({ name, args, line });
      const wrong = argProblem(name, args);
      if (wrong) problem(line, `::: ${name}`, wrong);
      if (BLOCKS[name].args === "lines") for (const id of args) checkName(id, line, `::: ${name}`);
    } else if (token.type.startsWith("container_") && token.type.endsWith("_close")) {
      open.pop();
    } else if (token.type === "answer_space") {
      // The marker ends its item, on the item's last line.
      const meta = token.meta as AnswerMeta;
      if ("problem" in meta) problem(token.map ? token.map[1] - 1 + source.bodyLine : line, "::: worksheet", meta.problem);
    } else if (token.type === "html_block") {
      problem(line, "html", "raw HTML is not allowed in lessons: use Markdown and the ::: blocks");
    } else if (token.type === "inline") {
      const block = open.at(-1);
      inlineRuns(token, line, block, runs, (child, childLine) => {
        if (child.type === "html_inline") problem(childLine, "html", `raw HTML "${child.content}" is not allowed in lessons`);
        if (child.type === "helpline_ref") checkName(child.content, childLine, `[[${child.content}]]`);
        if (child.type === "link_open") checkHref(child.attrGet("href") ?? "", childLine);
      });
      // markdown-it drops links it considers unsafe and leaves them as text.
      const unsafe = /\]\(\s*((?:javascript|data|vbscript|file):[^)]*)\)/i.exec(token.content);
      if (unsafe) checkHref(unsafe[1]!, line);
    }
  }
  return { blocks, runs, helplineIds: [...named] };
}

function validateLesson(source: LessonSource, names: Names, problems: Problem[]): Lesson | undefined {
  const before = problems.length;
  const meta = check(lessonSchema, source.front, problems);
  const { blocks, runs, helplineIds } = readBody(source, names, problems);
  if (!meta) return undefined;
  const problem = (field: string, message: string, line = source.front.lineOf([field])) =>
    problems.push({ file: source.file, line, field, message });

  if (!source.id.startsWith(`${meta.band}-`)) {
    problem("band", `the file name starts with the band: expected "${meta.band}-${source.id.replace(/^(8-10|11-13|14-17|adults)-/, "")}.md"`);
  }
  const taught = blocks.filter((b) => b.name === "message").map((b) => b.args[0] as MessageId);
  for (const id of meta.messages.filter((m) => !taught.includes(m))) {
    problem("messages", `lists "${id}" but the body has no "::: message ${id}" block`);
  }
  for (const b of blocks.filter((b) => b.name === "message" && b.args[0] && !meta.messages.includes(b.args[0] as MessageId))) {
    if ((MESSAGES as readonly string[]).includes(b.args[0]!)) problem("messages", `the body teaches "${b.args[0]}" (line ${b.line}) but front matter messages does not list it: add it to messages`);
  }
  const seen = new Set<string>();
  for (const id of taught) {
    if (seen.has(id)) problem("messages", `"::: message ${id}" appears more than once`);
    seen.add(id);
  }
  if (meta.band !== "adults" && !blocks.some((b) => b.name === "say")) problem("body", "a child lesson needs suggested wording in \"::: say\" blocks", source.bodyLine);
  if (!blocks.some((b) => b.name === "disclosure")) problem("body", "every lesson needs a \"::: disclosure\" block (what to do if a child tells you)", source.bodyLine);
  if (!blocks.some((b) => b.name === "helplines")) problem("body", "every lesson needs a \"::: helplines\" block showing where help is", source.bodyLine);
  if (problems.length > before) return undefined;
  return { ...source, meta, blocks, runs, helplineIds, variants: lessonVariants(meta.band, (v) => blocks.some((b) => blocksFor(v).includes(b.name))) };
}

function resolveRegion(code: string, kit: KitSource, problems: Problem[], cache: Map<string, Region | undefined>): Region | undefined {
  if (cache.has(code)) return cache.get(code);
  cache.set(code, undefined); // guards against include cycles
  const parsed = kit.regions.get(code);
  if (!parsed) return undefined;
  const meta = check(regionSchema, parsed, problems);
  if (!meta) return undefined;
  const lines = new Map<string, RegionLine>();
  const roles = new Map<LineRole, string[]>();
  for (const inc of meta.include) {
    const included = resolveRegion(inc, kit, problems, cache);
    if (!included) problems.push({ file: parsed.file, line: parsed.lineOf(["include"]), field: "include", message: `region "${inc}" not found in regions/` });
    else {
      for (const [id, line] of included.lines) lines.set(id, line);
      for (const [role, ids] of included.roles) roles.set(role, ids);
    }
  }
  meta.lines.forEach((line, i) => {
    if (lines.has(line.id) && !meta.include.length) problems.push({ file: parsed.file, line: parsed.lineOf(["lines", i, "id"]), field: "id", message: `help line "${line.id}" is listed twice` });
    lines.set(line.id, line);
  });
  meta.lines.forEach((line, i) => {
    const local = line.contacts.findIndex((c) => needsCallingCode(c, meta));
    if (local >= 0) {
      // There is no callingCode line to point at: point at the number that needs one.
      const at = parsed.lineOf(["lines", i, "contacts", local, "value"]);
      problems.push({ file: parsed.file, line: at, field: "callingCode", message: `line "${line.id}" has a WhatsApp number written locally ("${line.contacts[local]!.value}"): add callingCode (such as "+60") so its wa.me link can be made, or write the number with its "+" code` });
    }
    if (isLineRole(line.id)) problems.push({ file: parsed.file, line: parsed.lineOf(["lines", i, "id"]), field: "id", message: `"${line.id}" is the name of a role: give the line its service's own id` });
  });
  const known = () => [...lines.keys()].join(", ");
  for (const [role, ids] of Object.entries(meta.roles) as [LineRole, string[] | undefined][]) {
    if (!ids) continue;
    ids.forEach((id, i) => {
      if (!lines.has(id)) problems.push({ file: parsed.file, line: parsed.lineOf(["roles", role, i]), field: `roles.${role}`, message: `unknown help line "${id}", expected one of ${known()}` });
    });
    roles.set(role, ids);
  }
  for (const key of ["default", "crisis"] as const) {
    meta[key].forEach((id, i) => {
      if (!lines.has(id) && !isLineRole(id)) problems.push({ file: parsed.file, line: parsed.lineOf([key, i]), field: key, message: `unknown help line or role "${id}", expected one of ${known()}, or a role (${LINE_ROLE_NAMES.join(", ")})` });
    });
  }
  const region = { meta, lines, roles };
  cache.set(code, region);
  return region;
}

/**
 * A role a lesson names that its locale's region leaves empty, once per
 * role with every lesson that uses it: filling the region file fixes all.
 */
function unfilledRoles(code: string, region: Region, lessons: readonly Lesson[], problems: Problem[]): void {
  const users = new Map<string, string[]>();
  for (const lesson of lessons) {
    for (const name of lesson.helplineIds) {
      const school = SCHOOL_REF.exec(name);
      const empty = school ? !region.meta.school[school[1] as SchoolRole] : isLineRole(name) && !region.roles.get(name)?.length;
      if (empty) users.set(name, [...(users.get(name) ?? []), lesson.id]);
    }
  }
  for (const [name, ids] of users) {
    const [field, what] = name.startsWith("school:") ? [`school.${name.slice(7)}`, "the school role"] : [`roles.${name}`, "the role"];
    // A warning, so a new country's kit builds (showing "not filled in
    // yet" where the role is used) while its region file is being filled;
    // `kit check --strict` fails on it.
    problems.push({
      file: `regions/${region.meta.region}.yaml`,
      field,
      severity: "warning",
      message: `${what} "${name.replace(/^school:/, "")}" is not filled, and lessons/${code} uses it in ${ids.length} lesson${ids.length === 1 ? "" : "s"} (${ids.join(", ")}): name the ${name.startsWith("school:") ? "words your schools use" : "line that fills it"}`,
    });
  }
}

export interface Validated {
  kit?: Kit;
  problems: Problem[];
}

/** Checks everything; `kit` is set only when nothing at all is wrong. */
/** `{name}` placeholders of a UI string (lists: of all their items). */
function placeholders(value: string | string[]): string[] {
  const text = Array.isArray(value) ? value.join("\n") : value;
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
}

/**
 * A locale's strings against the default locale's: the same keys, no
 * unknown ones, and every `{placeholder}` kept (a dropped or renamed one
 * would print wrong words, or a gap, on every page).
 */
function checkStrings(file: Parsed, strings: Strings, reference: { code: string; strings: Strings }, problems: Problem[]): void {
  const at = (key: string) => file.lineOf([key]);
  for (const key of Object.keys(reference.strings).filter((k) => !(k in strings))) {
    problems.push({ file: file.file, field: key, message: `string is missing (${reference.code} has it)` });
  }
  for (const [key, value] of Object.entries(strings)) {
    const expected = reference.strings[key];
    if (expected === undefined) {
      problems.push({ file: file.file, line: at(key), field: key, message: `unknown string: ${reference.code} has no "${key}" (a typo, or a key the kit no longer uses)` });
      continue;
    }
    const want = placeholders(expected);
    const have = placeholders(value);
    if (want.join() !== have.join()) {
      const list = (names: string[]) => (names.length ? names.map((n) => `{${n}}`).join(", ") : "none");
      problems.push({ file: file.file, line: at(key), field: key, message: `placeholders ${list(have)}, expected ${list(want)} as in ${reference.code}: keep them exactly, in any order` });
    }
  }
}

/** A translation names a source locale and lesson that exist. */
function checkTranslationSources(source: KitSource, locales: readonly Locale[], problems: Problem[]): void {
  const ids = new Map(source.locales.map((l) => [l.code, new Set(l.lessons.map((x) => x.id))]));
  for (const locale of locales) {
    for (const lesson of locale.lessons.filter((l) => l.meta.translation && !l.fallbackFrom)) {
      const from = lesson.meta.translation!.source;
      const problem = (message: string) => problems.push({ file: lesson.file, line: lesson.front.lineOf(["translation", "source"]), field: "translation.source", message });
      if (!ids.has(from)) problem(`no locale "${from}" to translate from, expected one of ${[...ids.keys()].join(", ")}`);
      else if (!ids.get(from)!.has(lesson.id)) problem(`lessons/${from}/${lesson.id}.md does not exist: a translation keeps its source's file name`);
    }
  }
}

function validateLocale(loc: LocaleSource, source: KitSource, reference: { code: string; strings: Strings } | undefined, regionCache: Map<string, Region | undefined>, problems: Problem[]): Locale | undefined {
  const elsewhere = new Map<string, { region: string; roles: LineRole[] }>();
  for (const [code, other] of regionCache) {
    for (const [role, ids] of other?.roles ?? []) for (const id of ids) elsewhere.set(id, { region: code, roles: [...(elsewhere.get(id)?.roles ?? []), role] });
  }
  const meta = check(localeSchema, loc.meta, problems);
  const strings = check(stringsSchema, loc.strings, problems);
  const region = meta ? resolveRegion(meta.region, source, problems, regionCache) : undefined;
  if (meta && !source.regions.has(meta.region)) {
    problems.push({ file: loc.meta.file, line: loc.meta.lineOf(["region"]), field: "region", message: `no region file regions/${meta.region}.yaml, expected one of ${[...source.regions.keys()].join(", ")}` });
  }
  if (strings && reference && reference.code !== loc.code) checkStrings(loc.strings, strings, reference, problems);
  const lessons = region ? loc.lessons.map((l) => validateLesson(l, { lines: region.lines, elsewhere }, problems)) : [];
  const ok = lessons.filter((l): l is Lesson => l !== undefined);
  const orders = new Map<string, string>();
  for (const l of ok) {
    const key = `${l.meta.band}#${l.meta.order}`;
    if (orders.has(key)) problems.push({ file: l.file, line: l.front.lineOf(["order"]), field: "order", message: `order ${l.meta.order} is also used by ${orders.get(key)} in band ${l.meta.band}` });
    orders.set(key, l.id);
  }
  if (!meta || !strings || !region) return undefined;
  const lines = new Map([...region.lines].map(([id, line]) => [id, localizeLine(line, meta.language)]));
  const school = Object.fromEntries(Object.entries(region.meta.school).map(([role, text]) => [role, localize(text, meta.language)]));
  unfilledRoles(loc.code, region, ok, problems);
  return { code: loc.code, meta, strings, region, lines, school, lessons: ok };
}

/** Checks everything; `kit` is set only when nothing at all is wrong. */
export function validate(source: KitSource, problems: Problem[] = []): Validated {
  const start = problems.length;
  const config = check(kitConfigSchema, source.config, problems);
  const regionCache = new Map<string, Region | undefined>();
  const referenceSource = source.locales.find((l) => l.code === config?.defaultLocale) ?? source.locales[0];
  const referenceStrings = referenceSource ? check(stringsSchema, referenceSource.strings, []) : undefined;
  const reference = referenceSource && referenceStrings ? { code: referenceSource.code, strings: referenceStrings } : undefined;
  if (config && !source.locales.some((l) => l.code === config.defaultLocale)) {
    problems.push({ file: source.config.file, line: source.config.lineOf(["defaultLocale"]), field: "defaultLocale", message: `no locale "${config.defaultLocale}" in lessons/, expected one of ${source.locales.map((l) => l.code).join(", ")}` });
  }
  // Region files no locale uses are still the kit builder's: check them too.
  for (const code of source.regions.keys()) resolveRegion(code, source, problems, regionCache);
  const locales = source.locales.map((loc) => validateLocale(loc, source, reference, regionCache, problems)).filter((l): l is Locale => l !== undefined);
  checkTranslationSources(source, locales, problems);
  if (problems.slice(start).some((p) => !isWarning(p)) || !config) return { problems };
  return { kit: { root: source.root, config, locales }, problems };
}
