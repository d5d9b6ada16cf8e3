// The block vocabulary of lessons (lessons/README.md), in one place: what
// each `::: name` takes after its name, how it renders, and which handouts
// show it besides the plan and the page. The validator, the renderer and
// the handouts all read this table, so a new block is one entry here.
import { escapeHtml } from "./contacts.ts";
import { MESSAGES } from "./schema.ts";

/** What the words after `::: name` are. */
export type BlockArgs =
  /** nothing */
  | "none"
  /** exactly one message id */
  | "message"
  /** a title of one or more words */
  | "title"
  /** help-line ids or roles; none means the region's default list */
  | "lines"
  /** optional flags from a fixed list (BlockSpec.flags) */
  | "flags";

/** What rendering a block needs from the kit (a slice of MarkdownEnv). */
export interface BlockRenderEnv {
  t: (key: string, vars?: Record<string, string>) => string;
  disclosureSteps: readonly string[];
  /** The help-line list for ids or roles (none: the region's default list). */
  helplines: (names: readonly string[]) => string;
  /** Inline SVG of a named icon (the pipeline reads the files; the core never does). */
  icon: (name: string) => string;
}

export interface BlockSpec {
  args: BlockArgs;
  /** A lucide-static icon name shown before the block's label, the same on the site and in print. */
  icon: string;
  /** For `args: "flags"`: the words allowed after the name. */
  flags?: readonly string[];
  /** Handouts that show the block besides the plan and the page (handout variants). */
  handouts: readonly string[];
  /** Markup before the block's own text. */
  open: (args: readonly string[], env: BlockRenderEnv) => string;
  /** Markup after it: closes exactly what `open` opened. */
  close: string;
}

const label = (env: BlockRenderEnv, icon: string, text: string) => `<p class="block-label">${env.icon(icon)}${escapeHtml(text)}</p>\n`;
/** A labelled box with the block's own text in a body. */
const boxed = (name: string, icon: string): Pick<BlockSpec, "icon" | "open" | "close"> => ({
  icon,
  open: (_args, env) => `<div class="block block-${name}">\n${label(env, icon, env.t(`block.${name}`))}<div class="block-body">\n`,
  close: "</div>\n</div>\n",
});

export const BLOCKS = {
  note: { args: "none", handouts: [], ...boxed("note", "info") },
  say: { args: "none", handouts: [], ...boxed("say", "message-circle") },
  message: {
    args: "message",
    icon: "message-square-warning",
    handouts: ["family"],
    open: ([id = ""], env) =>
      `<div class="block block-message" data-message="${escapeHtml(id)}">\n${label(env, "message-square-warning", env.t("block.message", { message: env.t(`message.${id}`) }))}<div class="block-body">\n`,
    close: "</div>\n</div>\n",
  },
  activity: { args: "none", handouts: [], ...boxed("activity", "puzzle") },
  card: {
    args: "title",
    icon: "id-card",
    handouts: ["worksheet"],
    open: (args, env) =>
      `<div class="block block-card">\n<p class="block-label">${env.icon("id-card")}${escapeHtml(env.t("block.card"))}: <strong>${escapeHtml(args.join(" "))}</strong></p>\n<div class="block-body">\n`,
    close: "</div>\n</div>\n",
  },
  // `::: worksheet handin`: the sheet is collected, so it gets a name line;
  // a sheet pupils keep has none (issue 12).
  worksheet: {
    args: "flags",
    flags: ["handin"],
    icon: "pencil",
    handouts: ["worksheet"],
    open: (args, env) => {
      const name = args.includes("handin")
        ? `<p class="name-line">${escapeHtml(env.t("worksheet.name"))}: <span class="write-line"></span></p>\n`
        : "";
      return `<div class="block block-worksheet">\n${label(env, "pencil", env.t("block.worksheet"))}${name}<div class="block-body">\n`;
    },
    close: "</div>\n</div>\n",
  },
  disclosure: {
    args: "none",
    icon: "heart-handshake",
    handouts: [],
    open: (_args, env) => {
      const steps = env.disclosureSteps.map((s) => `<li>${escapeHtml(s)}</li>`).join("\n");
      return `<div class="block block-disclosure">\n${label(env, "heart-handshake", env.t("block.disclosure"))}<ol class="disclosure-steps">\n${steps}\n</ol>\n`;
    },
    close: "</div>\n",
  },
  /** Where a teacher may end the first of two shorter periods. */
  split: {
    args: "none",
    icon: "split",
    handouts: [],
    open: (_args, env) => `<div class="block block-split" role="separator">\n${label(env, "split", env.t("block.split"))}`,
    close: "</div>\n",
  },
  // Family sheets print the region's default lines instead, the same on every sheet.
  helplines: {
    args: "lines",
    icon: "life-buoy",
    handouts: [],
    open: (args, env) => `<div class="block block-helplines">\n${label(env, "life-buoy", env.t("block.helplines"))}${env.helplines(args)}`,
    close: "</div>\n",
  },
} satisfies Record<string, BlockSpec>;

export type BlockName = keyof typeof BLOCKS;
export const BLOCK_NAMES = Object.keys(BLOCKS) as BlockName[];

export function isBlockName(name: string): name is BlockName {
  return Object.hasOwn(BLOCKS, name);
}

/** Blocks a handout shows, by its variant. */
export function blocksFor(variant: string): BlockName[] {
  return BLOCK_NAMES.filter((name) => (BLOCKS[name].handouts as readonly string[]).includes(variant));
}

/**
 * What is wrong with a block's arguments, or undefined. Help-line names are
 * checked against the region by the validator, which knows it.
 */
export function argProblem(name: BlockName, args: readonly string[]): string | undefined {
  switch (BLOCKS[name].args) {
    case "none":
      return args.length ? `takes no arguments, found "${args.join(" ")}"` : undefined;
    case "message":
      if (args.length !== 1) return `names exactly one message id, expected one of ${MESSAGES.join(", ")}`;
      return (MESSAGES as readonly string[]).includes(args[0]!) ? undefined : `unknown message id "${args[0]}", expected one of ${MESSAGES.join(", ")}`;
    case "title":
      return args.length ? undefined : `needs a title after "::: ${name}"`;
    case "lines":
      return undefined;
    case "flags": {
      const allowed: readonly string[] = (BLOCKS[name] as BlockSpec).flags ?? [];
      const wrong = args.filter((a) => !allowed.includes(a));
      return wrong.length ? `unknown argument "${wrong.join(" ")}", expected ${allowed.join(" or ")} or nothing` : undefined;
    }
  }
}

/**
 * The answer space a worksheet item asks for, declared at the end of the
 * item in braces: `{lines 3}`, `{box}`, `{box 2}` (side by side, for
 * sorting), `{draw}`, `{order 4}` (a number box by each of the item's four
 * steps). The lesson says how much room an answer needs; the template only
 * draws it.
 */
export type AnswerSpace =
  | { kind: "lines"; count: number }
  | { kind: "box"; count: number }
  | { kind: "draw" }
  | { kind: "order"; count: number };

export const ANSWER_SPACE_HELP = "lines N, box, box N, draw, order N";
/** Trailing `{...}` markers of a worksheet item, outermost last. */
export const ANSWER_MARKER = /\s*\{([^{}]*)\}\s*$/;

const MAX = { lines: 12, box: 4, order: 12 } as const;

/** Reads one marker's text ("lines 3"); a string says what is wrong with it. */
export function parseAnswerSpace(text: string): AnswerSpace | string {
  const [kind = "", ...rest] = text.trim().split(/\s+/);
  const unknown = `unknown answer space "{${text.trim()}}", expected ${ANSWER_SPACE_HELP}`;
  if (kind === "draw") return rest.length ? unknown : { kind };
  if (kind !== "lines" && kind !== "box" && kind !== "order") return unknown;
  if (kind === "box" && rest.length === 0) return { kind, count: 1 };
  if (rest.length !== 1 || !/^[1-9][0-9]*$/.test(rest[0]!)) return `answer space "{${text.trim()}}" needs one whole number, as in {${kind} 3}`;
  const count = Number(rest[0]);
  if (count > MAX[kind]) return `answer space "{${text.trim()}}" asks for ${count}, at most ${MAX[kind]} fit a sheet`;
  return { kind, count };
}
