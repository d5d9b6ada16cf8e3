// A per-locale zip holds one locale's pages, so links to the other
// locales (the language switcher, hreflang alternates) would be dead
// there: each is pointed at the public site when its address is known,
// and removed otherwise. Parsed with parse5's rewriting stream, which
// keeps every untouched byte of the page as it was.
import path from "node:path";
import { RewritingStream } from "parse5-html-rewriting-stream";
import type { StartTag } from "parse5-sax-parser";

export interface LinkContext {
  /** The page's path inside the zip ("en-MY/help.html"). */
  page: string;
  /** Every path the zip holds. */
  holds: ReadonlySet<string>;
  /** The public site's address, ending in "/". */
  baseUrl?: string;
}

/** The zip path an href points at, or undefined for a link outside the site (or within the page). */
export function target(href: string, page: string): string | undefined {
  if (/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(href) || href === "") return undefined;
  const bare = href.replace(/[?#].*$/, "");
  let clean = bare;
  try {
    clean = decodeURI(bare);
  } catch {
    // A malformed escape names no file of ours; compared as written.
  }
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(page), clean));
  return resolved.endsWith("/") ? `${resolved}index.html` : resolved;
}

const attr = (tag: StartTag, name: string) => tag.attrs.find((a) => a.name === name);

/**
 * Rewrites the dead links of one page. A dead `<a>` inside a list item
 * (the switcher) takes its item with it; elsewhere it is unwrapped to its
 * text; a dead `<link>` is dropped.
 */
export async function rewriteOfflineLinks(html: string, context: LinkContext): Promise<string> {
  const rewriter = new RewritingStream();
  let out = "";
  /** Open list items, innermost last: each is held back until we know whether it keeps a dead link. */
  const items: { raw: string; dead: boolean }[] = [];
  let dropEndA = false;
  const write = (raw: string) => (items.length ? (items.at(-1)!.raw += raw) : (out += raw));
  const dead = (tag: StartTag) => {
    const href = attr(tag, "href");
    const to = href && target(href.value, context.page);
    return to !== undefined && to !== "" && !context.holds.has(to) ? to : undefined;
  };
  rewriter.on("startTag", (tag, raw) => {
    if (tag.tagName === "li") return void items.push({ raw, dead: false });
    const to = tag.tagName === "a" || tag.tagName === "link" ? dead(tag) : undefined;
    if (!to) return write(raw);
    if (context.baseUrl) {
      attr(tag, "href")!.value = new URL(to, context.baseUrl).href;
      return write(serialize(tag));
    }
    if (tag.tagName === "a") {
      if (items.length) items.at(-1)!.dead = true;
      dropEndA = true;
    }
  });
  rewriter.on("endTag", (tag, raw) => {
    if (tag.tagName === "a" && dropEndA) return void (dropEndA = false);
    write(raw);
    const done = tag.tagName === "li" ? items.pop() : undefined;
    if (done && !done.dead) write(done.raw);
  });
  for (const event of ["text", "comment", "doctype"] as const) rewriter.on(event, (_token: unknown, raw: string) => write(raw));
  await new Promise<void>((resolve, reject) => {
    rewriter.on("finish", resolve).on("error", reject);
    rewriter.resume();
    rewriter.end(html);
  });
  // A list item never closed (valid HTML allows it) is kept as written.
  // The indentation of a dropped item is left on a line of its own: trim it.
  return (out + items.map((i) => i.raw).join("")).replace(/^[ \t]+$/gm, "");
}

function serialize(tag: StartTag): string {
  const escape = (value: string) => value.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  const attrs = tag.attrs.map((a) => ` ${a.name}="${escape(a.value)}"`).join("");
  return `<${tag.tagName}${attrs}${tag.selfClosing ? " /" : ""}>`;
}
