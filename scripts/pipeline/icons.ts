// The kit's icons: lucide-static's SVG files (ISC), read once each and
// inlined, so the site and the print pages carry the same markup and no
// page loads an icon from elsewhere (the site's CSP allows no other origin).
// The core names icons (the block registry); only this stage reads files.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
    .replace(/\s+>/g, ">")
    .replace(/class="[^"]*"/, `class="icon icon-${name}" aria-hidden="true" focusable="false"`)
    .trim();
  cache.set(name, svg);
  return svg;
}

/**
 * Icons of the four steps (help.steps in strings.json, in that order): don't
 * pay; stop, block and keep evidence; tell and report; get images taken down.
 */
export const STEP_ICONS = ["ban", "shield-ban", "megaphone", "image-off"] as const;

const LOGO_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "templates", "assets", "logo.svg");
let logo: string | undefined;

/**
 * The kit's mark (templates/assets/logo.svg), inline, class "logo". It stands
 * beside the kit's name, so it is decoration: hidden on the site, untagged
 * in print (no /Figure read twice with the name next to it).
 */
export function logoSvg(): string {
  logo ??= readFileSync(LOGO_FILE, "utf8")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<svg\b/, '<svg class="logo" aria-hidden="true" focusable="false"')
    .trim();
  return logo;
}
