// The kit's icons: lucide-static's SVG files (ISC), read once each and
// inlined, so the site and the print pages carry the same markup and no
// page loads an icon from elsewhere (the site's CSP allows no other origin).
// The core names icons (the block registry); only this stage reads files.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const ICON_DIR = path.join(path.dirname(require.resolve("lucide-static/package.json")), "icons");
const cache = new Map<string, string>();

/**
 * An icon's inline SVG: class "icon", sized and coloured by the stylesheets
 * (stroke currentColor). Icons are decoration beside words that say the same,
 * so they are hidden from assistive technology on the site and in print
 * (Chromium writes them untagged into the PDF; it writes no /Artifact).
 */
export function iconSvg(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`not a lucide icon name: "${name}"`);
  const file = readFileSync(path.join(ICON_DIR, `${name}.svg`), "utf8");
  const svg = file
    .replace(/<!--[\s\S]*?-->\s*/g, "")
    .replace(/\s+/g, " ")
    .replace(/>\s+</g, "><")
    .replace(/class="[^"]*"/, `class="icon icon-${name}" aria-hidden="true" focusable="false"`)
    .trim();
  cache.set(name, svg);
  return svg;
}
