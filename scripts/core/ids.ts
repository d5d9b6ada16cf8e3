// Ids unique on a page that joins whole documents. A booklet prints every
// handout on one page, and the handouts share their heading ids
// ("opening", "activity", ...). Each section's ids get the section's prefix,
// and so do the references to them from inside the section.
//
// The markup is read with parse5 (the WHATWG parser), not a regular
// expression: a section holds lesson text, inline SVG and whatever a
// template adds. Only the attribute values are replaced, at the offsets the
// parser reports, so every other byte stays as it was.
import { parseFragment, type DefaultTreeAdapterMap } from "parse5";

type Element = DefaultTreeAdapterMap["element"];
type ParentNode = DefaultTreeAdapterMap["parentNode"];

/** Between prefix and id. Two prefixed ids can be equal only if a prefix holds it. */
export const PREFIX_SEPARATOR = "__";

/** Attributes that hold one id or a space-separated list of ids. */
const ID_REFERENCES = new Set([
  "for",
  "form",
  "list",
  "headers",
  "itemref",
  "popovertarget",
  "aria-activedescendant",
  "aria-controls",
  "aria-describedby",
  "aria-details",
  "aria-errormessage",
  "aria-flowto",
  "aria-labelledby",
  "aria-owns",
]);
/** Attributes that hold a URL, whose `#fragment` can name an id of the page. */
const URLS = new Set(["href", "xlink:href"]);

function elements(node: ParentNode, out: Element[] = []): Element[] {
  for (const child of node.childNodes) {
    if ("tagName" in child) out.push(child);
    if ("childNodes" in child) elements(child, out);
    if ("content" in child) elements(child.content, out);
  }
  return out;
}

function attrName(attr: { name: string; prefix?: string }): string {
  return attr.prefix ? `${attr.prefix}:${attr.name}` : attr.name;
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
}

function decoded(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/**
 * `id="x"` becomes `id="<prefix>__x"` in `html`, and every reference to an
 * id it defines (`href="#x"`, `aria-labelledby`, `for`, ...) follows.
 * References to ids it does not define (the rest of the page) are kept.
 */
export function prefixIds(html: string, prefix: string): string {
  const all = elements(parseFragment(html, { sourceCodeLocationInfo: true }));
  const ids = new Set(all.flatMap((el) => el.attrs.filter((a) => a.name === "id" && !a.prefix && a.value !== "").map((a) => a.value)));
  if (!ids.size) return html;
  const renamed = (id: string) => `${prefix}${PREFIX_SEPARATOR}${id}`;
  const edits: { start: number; end: number; text: string }[] = [];
  for (const el of all) {
    for (const attr of el.attrs) {
      const name = attrName(attr);
      let value: string | undefined;
      if (name === "id" && ids.has(attr.value)) value = renamed(attr.value);
      else if (ID_REFERENCES.has(name)) {
        const tokens = attr.value.split(/\s+/).filter(Boolean);
        if (tokens.some((t) => ids.has(t))) value = tokens.map((t) => (ids.has(t) ? renamed(t) : t)).join(" ");
      } else if (URLS.has(name) && attr.value.startsWith("#")) {
        // A browser matches the fragment as written, then percent-decoded.
        const fragment = attr.value.slice(1);
        if (ids.has(fragment) || ids.has(decoded(fragment))) value = `#${renamed(fragment)}`;
      }
      const at = el.sourceCodeLocation?.attrs?.[name];
      if (value === undefined || !at) continue;
      const written = html.slice(at.startOffset, at.endOffset);
      edits.push({ start: at.startOffset, end: at.endOffset, text: `${written.split("=")[0]!.trimEnd()}="${escapeAttr(value)}"` });
    }
  }
  let out = html;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
