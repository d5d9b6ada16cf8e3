// The lesson body transform: Markdown text in, HTML out. Pure, so the
// validator, the site and the handouts all read a lesson the same way.
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import markdownItContainer from "markdown-it-container";
import anchor from "markdown-it-anchor";
import { BLOCK_NAMES, BLOCKS, isBlockName, type BlockName } from "./blocks.ts";
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
          ? spec.open(blockParams(tokens[idx]!.info).args, { ...env, helplines: (names) => helplineListHtml(names, env) })
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
