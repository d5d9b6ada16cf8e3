// The lesson body transform: Markdown text in, HTML out. Pure, so the
// validator, the site and the handouts all read a lesson the same way.
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import markdownItContainer from "markdown-it-container";
import anchor from "markdown-it-anchor";
import type { HelpLine } from "./schema.ts";
import { contactHref, contactHtml, escapeHtml, telClass } from "./contacts.ts";

/** The block vocabulary of lessons/README.md. */
export const BLOCKS = ["say", "message", "activity", "note", "card", "worksheet", "disclosure", "helplines"] as const;
export type BlockName = (typeof BLOCKS)[number];

/** What rendering needs from the kit: the region's lines and the locale's words. */
export interface MarkdownEnv {
  lines: ReadonlyMap<string, HelpLine>;
  defaultLines: readonly string[];
  /** Looks up a UI string of the locale. */
  t: (key: string, vars?: Record<string, string>) => string;
  /** The locale's standard disclosure steps. */
  disclosureSteps: readonly string[];
  /** Filled while rendering: ids of cards and worksheets, for handouts. */
  blocksSeen?: BlockName[];
}

export function blockParams(info: string): { name: string; args: string[] } {
  const [name = "", ...args] = info.trim().split(/\s+/);
  return { name, args };
}

function renderBlock(tokens: Token[], idx: number, env: MarkdownEnv): string {
  const token = tokens[idx]!;
  const { name, args } = blockParams(token.info);
  if (token.nesting === -1) {
    // A close token has no info: its block's name is only in its type
    // (container_<name>_close). helplines and disclosure open one div.
    const closing = token.type.slice("container_".length, -"_close".length);
    return closing === "helplines" || closing === "disclosure" ? "</div>\n" : "</div>\n</div>\n";
  }
  env.blocksSeen?.push(name as BlockName);
  const label = (text: string) => `<p class="block-label">${escapeHtml(text)}</p>\n`;
  switch (name) {
    case "message": {
      const id = args[0] ?? "";
      return `<div class="block block-message" data-message="${escapeHtml(id)}">\n${label(
        env.t("block.message", { message: env.t(`message.${id}`) }),
      )}<div class="block-body">\n`;
    }
    case "card":
      return `<div class="block block-card">\n<p class="block-label">${escapeHtml(env.t("block.card"))}: <strong>${escapeHtml(
        args.join(" "),
      )}</strong></p>\n<div class="block-body">\n`;
    case "helplines": {
      const ids = args.length ? args : env.defaultLines;
      return `<div class="block block-helplines">\n${label(env.t("block.helplines"))}${helplineListHtml(ids, env)}`;
    }
    case "disclosure": {
      const steps = env.disclosureSteps.map((s) => `<li>${escapeHtml(s)}</li>`).join("\n");
      return `<div class="block block-disclosure">\n${label(env.t("block.disclosure"))}<ol class="disclosure-steps">\n${steps}\n</ol>\n`;
    }
    default:
      return `<div class="block block-${escapeHtml(name)}">\n${label(env.t(`block.${name}`))}<div class="block-body">\n`;
  }
}

export function helplineListHtml(ids: readonly string[], env: Pick<MarkdownEnv, "lines" | "t">): string {
  const items = ids.map((id) => {
    const line = env.lines.get(id);
    if (!line) return "";
    // An empty slot (kit new-locale) shows as a gap, never as a guess.
    const contacts = line.contacts.length
      ? line.contacts.map((c) => `<li>${contactHtml(c, env.t)}</li>`).join("")
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
  if (!/^[a-z0-9-]+$/.test(id)) return false;
  if (!silent) {
    const token = state.push("helpline_ref", "", 0);
    token.content = id;
  }
  state.pos = end + 2;
  return true;
}

// The container plugin's types describe markdown-it's CommonJS build.
const container = markdownItContainer as unknown as Parameters<MarkdownIt["use"]>[0];

export function createMarkdown(): MarkdownIt {
  // html: true only so that raw HTML is seen as html tokens, which the
  // validator refuses and the renderer escapes; it never reaches a page.
  const md = new MarkdownIt({ html: true, linkify: false, typographer: true });
  for (const name of BLOCKS) {
    md.use(container, name, {
      validate: (params: string) => blockParams(params).name === name,
      render: (tokens: Token[], idx: number, _o: unknown, env: MarkdownEnv) => renderBlock(tokens, idx, env),
    });
  }
  // Any other `::: name` becomes a token of its own so the validator can
  // name it with its line instead of printing the colons as text.
  md.use(container, "unknown", {
    validate: (params: string) => {
      const { name } = blockParams(params);
      return name !== "" && !(BLOCKS as readonly string[]).includes(name);
    },
    render: () => "",
  });
  md.use(anchor, { tabIndex: false });
  md.inline.ruler.before("link", "helpline_ref", helplineRef);
  md.renderer.rules.helpline_ref = (tokens, idx, _o, env: MarkdownEnv) => {
    const id = tokens[idx]!.content;
    const line = env.lines.get(id);
    if (!line) return escapeHtml(`[[${id}]]`);
    const first = line.contacts[0];
    const name = `<strong>${escapeHtml(line.short)}</strong>`;
    // "988 (Call: 988)" would say the number twice: a name that is the number is the link.
    if (first && line.short.includes(first.value)) {
      const href = contactHref(first) ?? "";
      return `<span class="helpline-ref" data-line="${escapeHtml(id)}"><a${telClass(href)} href="${escapeHtml(href)}">${name}</a></span>`;
    }
    const contact = first ? ` (${contactHtml(first, env.t)})` : "";
    return `<span class="helpline-ref" data-line="${escapeHtml(id)}">${name}${contact}</span>`;
  };
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
