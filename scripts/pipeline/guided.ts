// Pages for the worst moment (issue 13): the "it is happening now" guided
// path for a young person and for a parent, a page per age written for
// parents, and the site's 404 page. Plain linked pages, so they work with
// JavaScript off and from an unzipped folder.
import type Token from "markdown-it/lib/token.mjs";
import { blockParams, markdown, type MarkdownEnv } from "../core/markdown.ts";
import type { LineRole } from "../core/roles.ts";
import type { Band } from "../core/schema.ts";
import { stringList } from "../core/strings.ts";
import { bandViews, baseFor, emergencyCall, pointer, type Download, type LinePointer, type LocaleModel, type SiteEntry } from "./model.ts";
import type { Lesson } from "./validate.ts";

/** The guided path's questions, in the order they are asked. */
export const NOW_QUESTIONS = ["safe", "money", "posted", "known"] as const;
export type NowQuestion = (typeof NOW_QUESTIONS)[number];
export type NowAudience = "me" | "adult";
type Answer = "yes" | "no";

/** The roles whose lines follow each answer; the emergency call is shown on its own. */
const ANSWER_LINES: Record<`${NowQuestion}-${Answer}`, LineRole[]> = {
  "safe-yes": [],
  "safe-no": [],
  "money-yes": ["money-paid"],
  "money-no": [],
  "posted-yes": ["take-down", "report-online"],
  "posted-no": ["take-down"],
  "known-yes": ["report-crime"],
  "known-no": ["report-online"],
};

export interface NowLine extends LinePointer {
  label: string;
}

/** One page of the guided path: what to do after the last answer, then the next question (or the end). */
export interface NowView {
  audience: NowAudience;
  intro?: string;
  /** Advice for the answer just given. */
  advice?: { title: string; text: string[]; call?: { text: string; href: string }; lines: NowLine[] };
  /** `urgent`: the answer that needs help at once ("not safe"), shown in the help colour. */
  question?: { step: string; text: string; choices: { label: string; href: string; answer: Answer; urgent: boolean }[] };
  done?: { title: string; text: string[]; lines: NowLine[]; guide?: { title: string; href: string } };
  startHref: string;
}

export interface ParentView {
  band: { id: Band; label: string; href: string };
  /** The words to say first: the adult guide's `::: say` block for this age, else the band's first. */
  wordsHtml: string;
  starters: string[];
  signs: string[];
  signsGuide?: { title: string; href: string };
  tellSteps: string[];
  guide?: { title: string; href: string };
  downloads: Download[];
}

const nowUrl = (m: LocaleModel, audience: NowAudience, page: string) => `${m.locale.code}/now/${audience}-${page}.html`;
export const parentUrl = (locale: string, band: Band) => `${locale}/parents/${band}.html`;

function nowLines(m: LocaleModel, roles: readonly LineRole[]): NowLine[] {
  return roles.flatMap((role) => {
    const p = pointer(m, role);
    return p ? [{ ...p, label: m.t(`now.line.${role}`) }] : [];
  });
}

function adultGuide(m: LocaleModel, suffix: string): { title: string; href: string } | undefined {
  const guide = m.sorted.find((l) => l.meta.band === "adults" && l.id.endsWith(suffix));
  return guide ? { title: guide.meta.title, href: m.lessonUrl(guide.id) } : undefined;
}

function question(m: LocaleModel, audience: NowAudience, index: number): NowView["question"] {
  const q = NOW_QUESTIONS[index];
  if (!q) return undefined;
  const key = `now.${audience}.${q}`;
  const choice = (answer: Answer) => ({ label: m.t(`${key}.answer.${answer}`), href: nowUrl(m, audience, `${q}-${answer}`), answer, urgent: q === "safe" && answer === "no" });
  // "No, I am not safe" is the answer that matters most: it comes first.
  const choices = q === "safe" ? [choice("no"), choice("yes")] : [choice("yes"), choice("no")];
  return { step: m.t("now.step", { step: index + 1, steps: NOW_QUESTIONS.length }), text: m.t(`${key}.question`), choices };
}

function advice(m: LocaleModel, audience: NowAudience, q: NowQuestion, answer: Answer): NonNullable<NowView["advice"]> {
  const key = `now.${audience}.${q}.${answer}`;
  const call = q === "safe" && answer === "no" ? emergencyCall(m) : undefined;
  // A region without an emergency number still gives a line to call at once.
  const roles: LineRole[] = q === "safe" && answer === "no" && !call ? ["call-first"] : ANSWER_LINES[`${q}-${answer}`];
  return { title: m.t(`${key}.title`), text: stringList(m.locale.strings, key), call, lines: nowLines(m, roles) };
}

/** The guided path, for the young person and for the adult: a start page and a page per answer. */
export function nowPages(m: LocaleModel): void {
  for (const audience of ["me", "adult"] as const) {
    const startHref = nowUrl(m, audience, "start");
    const title = m.t(`now.${audience}.title`);
    const push = (url: string, view: Omit<NowView, "audience" | "startHref">) =>
      m.out.site.push({ ...m.common, kind: "now", audience, startHref, ...view, title, url, base: baseFor(url), indexed: false } as SiteEntry);
    push(startHref, { intro: m.t(`now.${audience}.intro`), question: question(m, audience, 0) });
    NOW_QUESTIONS.forEach((q, i) => {
      for (const answer of ["yes", "no"] as const) {
        const last = i === NOW_QUESTIONS.length - 1;
        const done = last
          ? {
              title: m.t(`now.${audience}.done.title`),
              text: stringList(m.locale.strings, `now.${audience}.done`),
              lines: nowLines(m, ["call-first", "support"]),
              guide: audience === "adult" ? adultGuide(m, "when-a-child-tells-you") : undefined,
            }
          : undefined;
        push(nowUrl(m, audience, `${q}-${answer}`), { advice: advice(m, audience, q, answer), question: question(m, audience, i + 1), done });
      }
    });
  }
}

/** The `##` headings of a lesson body, with the ids markdown-it-anchor gives them. */
export function contentsOf(tokens: readonly Token[]): { id: string; text: string }[] {
  return tokens.flatMap((token, i) => {
    const id = token.type === "heading_open" && token.tag === "h2" ? token.attrGet("id") : null;
    const text = (tokens[i + 1]?.children ?? []).filter((c) => c.type === "text" || c.type === "code_inline").map((c) => c.content).join("");
    return id ? [{ id, text }] : [];
  });
}

/**
 * The adult guide's `::: say` block under the `###` heading that names this
 * age (its two numbers, as every locale writes them: "Ages 8 to 10",
 * "Umur 8 hingga 10 tahun", "Grades 3 to 5 (ages 8 to 10)").
 */
function guideWords(m: LocaleModel, band: Band): string {
  const guide = m.sorted.find((l) => l.meta.band === "adults" && l.id.endsWith("starting-the-conversation"));
  if (!guide) return "";
  const [from, to] = band.split("-");
  const names = new RegExp(`\\b${from}\\b.*\\b${to}\\b`);
  const md = markdown();
  const tokens = md.parse(guide.body, m.env);
  let under = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === "heading_open") under = token.tag === "h3" && names.test(tokens[i + 1]?.content ?? "");
    if (under && token.type === "container_say_open") return md.renderer.render(blockAt(tokens, i), md.options, m.env);
  }
  return "";
}

/** The tokens of the block opening at `start`, through its close. */
function blockAt(tokens: Token[], start: number): Token[] {
  let depth = 0;
  for (let i = start; i < tokens.length; i++) {
    depth += tokens[i]!.type.startsWith("container_") ? tokens[i]!.nesting : 0;
    if (depth === 0) return tokens.slice(start, i + 1);
  }
  return tokens.slice(start);
}

/** The first `::: say` block of each of the band's first two lessons: for a kit without the guide. */
function lessonWords(m: LocaleModel, lessons: Lesson[]): string {
  const md = markdown();
  return lessons
    .slice(0, 2)
    .map((lesson) => {
      const tokens = md.parse(lesson.body, m.env);
      const at = tokens.findIndex((t) => t.type.startsWith("container_") && t.nesting === 1 && blockParams(t.info).name === "say");
      return at < 0 ? "" : md.renderer.render(blockAt(tokens, at), md.options, m.env);
    })
    .join("");
}

/** Three starters: the first of each lesson's, then the seconds, until there are three. */
function starters(lessons: Lesson[]): string[] {
  const lists = lessons.map((l) => l.meta.family?.starters ?? []);
  const out: string[] = [];
  for (let round = 0; out.length < 3 && lists.some((s) => s[round] !== undefined); round++) {
    for (const list of lists) if (list[round] !== undefined && out.length < 3) out.push(list[round]!);
  }
  return out;
}

/** A page per child age band, written for parents: words first, then starters, signs, what to do, handouts. */
export function parentPages(m: LocaleModel): void {
  for (const band of bandViews(m).filter((b) => b.id !== "adults")) {
    const lessons = m.sorted.filter((l) => l.meta.band === band.id);
    const url = parentUrl(m.locale.code, band.id);
    const view: ParentView = {
      band: { id: band.id, label: band.label, href: band.href },
      wordsHtml: guideWords(m, band.id) || lessonWords(m, lessons),
      starters: starters(lessons),
      signs: stringList(m.locale.strings, "parents.signs"),
      signsGuide: adultGuide(m, "signs-evidence-reporting"),
      // The help page's steps for an adult who has just been told (not the teacher's disclosure route).
      tellSteps: stringList(m.locale.strings, "help.adult.steps"),
      guide: adultGuide(m, "when-a-child-tells-you"),
      downloads: lessons
        .filter((l) => l.variants.includes("family"))
        .flatMap((l) => m.downloads(["family"], l.id).map((d) => ({ ...d, label: l.meta.title }))),
    };
    const title = m.t("parents.title", { band: band.label });
    m.out.site.push({ ...m.common, kind: "parent", ...view, title, url, base: baseFor(url), indexed: true });
  }
}

/**
 * The page static hosts serve for a missing address, at whatever depth the
 * address was. With --base-url its links and assets start from the site's
 * path on its host ("/talk-early/"), so they resolve at any depth and stay
 * on the page's own origin (the CSP allows only 'self'). Without it they
 * are relative to the site root, which holds for a missing page at the top
 * level; quick exit is absolute and works everywhere.
 */
export function notFoundPage(m: LocaleModel): void {
  const base = m.options.baseUrl ? sitePath(m.options.baseUrl) : "";
  m.out.site.push({ ...m.common, kind: "notfound", title: m.t("notfound.title"), url: "404.html", base, indexed: false });
}

/** "https://example.org/kit" -> "/kit/". */
function sitePath(baseUrl: string): string {
  const { pathname } = new URL(baseUrl);
  return pathname.endsWith("/") ? pathname : `${pathname}/`;
}

/** Every page names the default locale's version as `x-default`. */
export function linkDefault(site: SiteEntry[], defaultLocale: string): void {
  for (const entry of site) {
    const fallback = entry.alternates?.find((a) => a.code === defaultLocale);
    if (fallback) entry.xDefault = fallback.href;
  }
}

/** Where a page's "happening now" links go: the start of each audience's path. */
export interface NowLinks {
  me: string;
  adult: string;
}

export interface ParentLink {
  label: string;
  href: string;
}

/** Every page learns its locale's guided path; home pages learn the parent pages, per age. */
export function linkGuided(site: SiteEntry[]): void {
  const parents = new Map<string, ParentLink[]>();
  for (const entry of site) {
    if (entry.kind !== "parent") continue;
    parents.set(entry.locale, [...(parents.get(entry.locale) ?? []), { label: entry.band.label, href: entry.url }]);
  }
  for (const entry of site) {
    entry.now = { me: `${entry.locale}/now/me-start.html`, adult: `${entry.locale}/now/adult-start.html` };
    if (entry.kind === "index") entry.parents = parents.get(entry.locale) ?? [];
  }
}
