// One accent colour that survives black-and-white printing (issue 12,
// item 6): read from the real stylesheets, turned to grey the way a
// printer's driver does (Rec. 601 luma on the encoded values), and
// measured with the WCAG contrast formula on the grey.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT } from "./helpers.ts";

const css = (name: string) => readFile(path.join(PROJECT, "templates/assets", name), "utf8");

/** Every definition of a custom property in a stylesheet, in order. */
function definitions(text: string, name: string): string[] {
  return [...text.matchAll(new RegExp(`${name}\\s*:\\s*(#[0-9a-fA-F]{6})\\b`, "g"))].map((m) => m[1]!.toLowerCase());
}

/** The grey (0-255) a colour prints as. */
function grey(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** WCAG contrast ratio of two greys. */
function contrast(a: number, b: number): number {
  const lum = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe("the accent colour", () => {
  it("is defined once in site.css and once in print.css, with the same value", async () => {
    const site = definitions(await css("site.css"), "--accent");
    const print = definitions(await css("print.css"), "--accent");
    expect(site).toHaveLength(1);
    expect(print).toEqual(site);
  });

  it("keeps 4.5:1 against white in greyscale, and its tint stays distinguishable from white under the text colour", async () => {
    const site = await css("site.css");
    const [accent] = definitions(site, "--accent");
    const [ink] = definitions(site, "--ink");
    const [tint] = definitions(site, "--say");
    const white = grey("#ffffff");
    // Accent text on white and white text on the accent: the same ratio.
    expect(contrast(grey(accent!), white)).toBeGreaterThanOrEqual(4.5);
    // Text on an accent-tinted box still reads, and the box still shows as a box.
    expect(contrast(grey(ink!), grey(tint!))).toBeGreaterThanOrEqual(4.5);
    expect(white - grey(tint!)).toBeGreaterThanOrEqual(6);
  });

  it("measures what it claims: a light accent fails", () => {
    expect(contrast(grey("#6fa8dc"), grey("#ffffff"))).toBeLessThan(4.5);
  });
});

describe("the mark and the icons", () => {
  it("draws the logo and the favicon in the accent only", async () => {
    const [accent] = definitions(await css("site.css"), "--accent");
    for (const name of ["logo.svg", "favicon.svg"]) {
      const colours = [...(await css(name)).matchAll(/#[0-9a-fA-F]{6}\b/g)].map((m) => m[0].toLowerCase());
      expect(new Set(colours.filter((c) => c !== "#ffffff")), name).toEqual(new Set([accent]));
    }
  });

  it("gives every block of the registry an icon that lucide-static has", async () => {
    const { BLOCKS, BLOCK_NAMES } = await import("../scripts/core/blocks.ts");
    const { iconSvg } = await import("../scripts/pipeline/icons.ts");
    for (const name of BLOCK_NAMES) expect(iconSvg(BLOCKS[name].icon), name).toMatch(/^<svg class="icon [^"]*" aria-hidden="true" focusable="false"/);
    expect(() => iconSvg("no-such-icon-here")).toThrow();
  });
});
