// The lesson body transform: Markdown text in, HTML out. Pure, so the
// validator, the site and the handouts all read a lesson the same way.
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import markdownItContainer from "markdown-it-container";
import anchor from "markdown-it-anchor";
import { ANSWER_MARKER, BLOCK_NAMES, BLOCKS, isBlockName, parseAnswerSpace, type AnswerSpace, type BlockName } from "./blocks.ts";
import type StateCore from "markdown-it/lib/rules_core/state_core.mjs";
import { contactHref, contactHtml, escapeHtml, telClass, type Dialing } from "./contacts.ts";
import { resolveLines, SCHOOL_REF, type LineRole, type SchoolRole } from "./roles.ts";
import type { HelpLine } from "./schema.ts";

export { BLOCK_NAMES as BLOCKS, type BlockName };

/** What rendering needs from the kit: the region's lines and roles and the locale's words. */
export interface MarkdownEnv {
  lines: ReadonlyMap<string, HelpLine>;
  /** Which lines fill each role, in the locale's region. */
  roles: ReadonlyMap<LineRole, readonly string[]>;
  /** Lines (or roles) of a `::: helplines` block that names none. */
  defaultLines: readonly string[];
  /** How the region's schools name their people (`[[school:counsellor]]`). */
  school: Partial<Record<SchoolRole, string>>;
  /** Looks up a UI string of the locale. */
  t: (key: string, vars?: Record<string, string>) => string;
  /** The locale's standard disclosure steps. */
  disclosureSteps: readonly string[];
  /** The region's calling code, for WhatsApp links (wa.me). */
  dialing?: Dialing;
  /** Inline SVG of a named icon; none: labels without icons. */
  icon?: (name: string) => string;
}

export function blockParams(info: string): { name: string; args: string[] } {
  const [name = "", ...args] = info.trim().split(/\s+/);
  return { name, args };
}

/** Line ids for what a lesson names: ids and roles, in order. */
export function linesFor(names: readonly string[], env: Pick<MarkdownEnv, "lines" | "roles" | "defaultLines">): string[] {
  return resolveLines(names.length ? names : env.defaultLines, env.roles, env.lines).ids;
}

export function helplineListHtml(names: readonly string[], env: Pick<MarkdownEnv, "lines" | "roles" | "defaultLines" | "t" | "dialing">): string {
  const items = linesFor(names, env).map((id) => {
    const line = env.lines.get(id);
    if (!line) return "";
    // An empty slot (kit new-locale) shows as a gap, never as a guess.
    const contacts = line.contacts.length
      ? line.contacts.map((c) => `<li>${contactHtml(c, env.t, env.dialing)}</li>`).join("")
      : `<li class="helpline-unfilled">${escapeHtml(env.t("helpline.unfilled"))}</li>`;
    const hours = line.hours ? `<p class="helpline-hours">${escapeHtml(line.hours)}</p>` : "";
    return `<li class="helpline" data-line="${escapeHtml(id)}"><p class="helpline-name"><strong>${escapeHtml(
      line.name,
    )}</strong></p><p class="helpline-for">${escapeHtml(line.for)}</p><ul class="helpline-contacts">${contacts}</ul>${hours}</li>`;
  });
  return `<ul class="helplines">\n${items.join("\n")}\n</ul>\n`;
}

/** `[[id]]`: one help line by name with its first contact. */
function helplineRef(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x5b || src.charCodeAt(start + 1) !== 0x5b) return false;
  const end = src.indexOf("]]", start + 2);
  if (end < 0) return false;
  const id = src.slice(start + 2, end);
  if (!/^[a-z0-9-]+$/.test(id) && !SCHOOL_REF.test(id)) return false;
  if (!silent) {
    const token = state.push("helpline_ref", "", 0);
    token.content = id;
  }
  state.pos = end + 2;
  return true;
}

/**
 * `[[name]]` inline, so that it reads inside a sentence: the service's
 * short name with its first way to reach it ("Talian Kasih (Call: 15999)"),
 * the name alone where the name is the number ("988") or where the service
 * is a place to go ("Police"); `[[school:role]]`, the region's words for
 * that person.
 */
function helplineRefHtml(name: string, env: MarkdownEnv): string {
  const school = SCHOOL_REF.exec(name);
  if (school) {
    const text = env.school[school[1] as SchoolRole];
    // An unfilled role shows as a gap, never as a guess (kit check warns).
    return `<span class="school-role">${escapeHtml(text ?? env.t("helpline.unfilled"))}</span>`;
  }
  const id = resolveLines([name], env.roles, env.lines).ids[0];
  const line = id ? env.lines.get(id) : undefined;
  if (!line) return `<span class="helpline-ref helpline-unfilled">${escapeHtml(env.t("helpline.unfilled"))}</span>`;
  const first = line.contacts[0];
  const strong = `<strong>${escapeHtml(line.short)}</strong>`;
  const href = first ? contactHref(first, env.dialing) : undefined;
  const wrap = (html: string) => `<span class="helpline-ref" data-line="${escapeHtml(line.id)}">${html}</span>`;
  if (!first || !href) return wrap(strong);
  if (line.short.includes(first.value)) return wrap(`<a${telClass(href)} href="${escapeHtml(href)}">${strong}</a>`);
  // Inside a sentence, brackets never nest: a label that has its own
  // ("1-800-422-4453 (1-800-4-A-CHILD)") gives way to the number, and a
  // note follows a comma.
  const text = first.label && !first.label.includes("(") ? first.label : first.value;
  const note = first.note ? `, ${escapeHtml(first.note)}` : "";
  return wrap(`${strong} (<a${telClass(href)} href="${escapeHtml(href)}">${escapeHtml(text)}</a>${note})`);
}

/** What an `answer_space` token carries: the space, or what is wrong with its marker. */
export type AnswerMeta = { space: AnswerSpace; onSteps?: boolean } | { problem: string };

/** Strips the trailing `{...}` markers off an inline token; their texts, in order. */
function takeMarkers(inline: Token): string[] {
  const found: string[] = [];
  const last = inline.children?.at(-1);
  if (!last || last.type !== "text") return found;
  for (let m = ANSWER_MARKER.exec(last.content); m; m = ANSWER_MARKER.exec(last.content)) {
    found.unshift(m[1]!);
    last.content = last.content.slice(0, m.index);
  }
  inline.content = inline.content.replace(/(\s*\{[^{}]*\})+\s*$/, "");
  return found;
}

/**
 * Worksheet answer spaces (blocks.ts, AnswerSpace): a core rule, because a
 * marker ends an item whose space goes after the whole item, nested steps
 * included. `{order N}` on an item with steps marks its step list instead.
 */
function answerSpaces(state: StateCore): void {
  const tokens = state.tokens;
  let inWorksheet = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === "container_worksheet_open") inWorksheet = true;
    if (token.type === "container_worksheet_close") inWorksheet = false;
    if (!inWorksheet || token.type !== "inline") continue;
    const markers = takeMarkers(token);
    if (!markers.length) continue;
    const item = tokens[i - 2]?.type === "list_item_open" ? tokens[i - 2]! : undefined;
    // After the item's own close, or after the paragraph when it is not an item.
    let at = i + 2;
    if (item) {
      at = i + 1;
      while (at < tokens.length && !(tokens[at]!.type === "list_item_close" && tokens[at]!.level === item.level)) at++;
    }
    const made: Token[] = [];
    for (const text of markers) {
      const parsed = parseAnswerSpace(text);
      const answer = new state.Token("answer_space", "", 0);
      answer.map = token.map;
      answer.meta = (typeof parsed === "string" ? { problem: parsed } : { space: parsed }) satisfies AnswerMeta;
      if (typeof parsed !== "string" && parsed.kind === "order" && item) {
        const steps = stepsOf(tokens, i, at);
        if (steps) {
          if (steps.count !== parsed.count) answer.meta = { problem: `answer space "{order ${parsed.count}}" is on an item with ${steps.count} steps: make them match` } satisfies AnswerMeta;
          else {
            steps.list.attrJoin("class", "answer-order");
            answer.meta = { space: parsed, onSteps: true } satisfies AnswerMeta;
          }
        }
      }
      made.push(answer);
    }
    tokens.splice(at, 0, ...made);
    i += made.length;
  }
}

/** The item's own step list between its text and its close: the list and how many steps. */
function stepsOf(tokens: Token[], from: number, to: number): { list: Token; count: number } | undefined {
  const open = tokens.slice(from, to).find((t) => t.type === "bullet_list_open" || t.type === "ordered_list_open");
  if (!open) return undefined;
  const count = tokens.slice(from, to).filter((t) => t.type === "list_item_open" && t.level === open.level + 1).length;
  return { list: open, count };
}

/** Ruled lines, boxes and drawing space: print shows them, the website hides them (site.css). */
function answerSpaceHtml(meta: AnswerMeta): string {
  // Steps that carry their own number boxes need nothing after them.
  if ("problem" in meta || meta.onSteps) return "";
  const { space } = meta;
  const repeat = (n: number, html: string) => html.repeat(n);
  switch (space.kind) {
    case "lines":
      return `<div class="answer answer-lines" aria-hidden="true">${repeat(space.count, '<span class="answer-line"></span>')}</div>\n`;
    case "box":
      return `<div class="answer answer-box" aria-hidden="true">${repeat(space.count, '<span class="answer-cell"></span>')}</div>\n`;
    case "draw":
      // Meant to be empty: the fit checks skip what is marked blank.
      return `<div class="answer answer-draw" data-blank="draw" aria-hidden="true"></div>\n`;
    case "order":
      // On an item with steps, the steps carry the boxes (class answer-order).
      return `<div class="answer answer-order-lines" aria-hidden="true">${Array.from({ length: space.count }, (_, n) => `<span class="answer-line" data-n="${n + 1}"></span>`).join("")}</div>\n`;
  }
}

// The container plugin's types describe markdown-it's CommonJS build.
const container = markdownItContainer as unknown as Parameters<MarkdownIt["use"]>[0];

export function createMarkdown(): MarkdownIt {
  // html: true only so that raw HTML is seen as html tokens, which the
  // validator refuses and the renderer escapes; it never reaches a page.
  const md = new MarkdownIt({ html: true, linkify: false, typographer: true });
  for (const name of BLOCK_NAMES) {
    const spec = BLOCKS[name];
    md.use(container, name, {
      validate: (params: string) => blockParams(params).name === name,
      // The close token carries no info: this closure knows whose it is.
      render: (tokens: Token[], idx: number, _o: unknown, env: MarkdownEnv) =>
        tokens[idx]!.nesting === 1
          ? spec.open(blockParams(tokens[idx]!.info).args, { ...env, icon: env.icon ?? (() => ""), helplines: (names) => helplineListHtml(names, env) })
          : spec.close,
    });
  }
  // Any other `::: name` becomes a token of its own so the validator can
  // name it with its line instead of printing the colons as text.
  md.use(container, "unknown", {
    validate: (params: string) => {
      const { name } = blockParams(params);
      return name !== "" && !isBlockName(name);
    },
    render: () => "",
  });
  md.use(anchor, { tabIndex: false });
  md.core.ruler.push("answer_spaces", answerSpaces);
  md.renderer.rules.answer_space = (tokens, idx) => answerSpaceHtml(tokens[idx]!.meta as AnswerMeta);
  md.inline.ruler.before("link", "helpline_ref", helplineRef);
  md.renderer.rules.helpline_ref = (tokens, idx, _o, env: MarkdownEnv) => helplineRefHtml(tokens[idx]!.content, env);
  const escapeRaw: NonNullable<MarkdownIt["renderer"]["rules"]["html_block"]> = (tokens, idx) =>
    escapeHtml(tokens[idx]!.content);
  md.renderer.rules.html_block = escapeRaw;
  md.renderer.rules.html_inline = escapeRaw;
  return md;
}

let shared: MarkdownIt | undefined;
/** One parser for the whole process: building it registers every plugin. */
export function markdown(): MarkdownIt {
  shared ??= createMarkdown();
  return shared;
}

export function renderMarkdown(body: string, env: MarkdownEnv): string {
  return markdown().render(body, env);
}
