// Bundled fonts: Noto Sans for Latin scripts, Noto Sans SC for Chinese and
// Noto Sans Tamil for Tamil, from @fontsource, so every machine prints the
// same glyphs and no page asks a font server for anything. The stylesheet
// is made from fontsource's own, pointing at copies under assets/fonts/.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** Each family's stylesheets, by fontsource file name: weight and style, subset filter. */
export const FONT_SOURCES = [
  { pkg: "@fontsource/noto-sans", css: ["400.css", "700.css", "400-italic.css", "700-italic.css"], subsets: /-(latin|latin-ext)-\d/ },
  { pkg: "@fontsource/noto-sans-sc", css: ["400.css"], subsets: /./ },
  { pkg: "@fontsource/noto-sans-tamil", css: ["400.css"], subsets: /-tamil-\d/ },
] as const;

export async function writeFonts(assetsDir: string): Promise<number> {
  const fontsDir = path.join(assetsDir, "fonts");
  await mkdir(fontsDir, { recursive: true });
  const rules: string[] = [];
  let files = 0;
  for (const source of FONT_SOURCES) {
    const dir = path.dirname(require.resolve(`${source.pkg}/package.json`));
    for (const name of source.css) {
      const css = await readFile(path.join(dir, name), "utf8");
      for (const rule of css.match(/@font-face\s*{[^}]*}/g) ?? []) {
        const woff2 = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(rule)?.[1];
        if (!woff2 || !source.subsets.test(woff2)) continue;
        await copyFile(path.join(dir, "files", woff2), path.join(fontsDir, woff2));
        files++;
        rules.push(
          rule
            .replace(/src:[^;]+;/, `src: url("fonts/${woff2}") format("woff2");`)
            // block, not swap: printing must wait for the real font.
            .replace(/font-display:\s*\w+;/, "font-display: block;"),
        );
      }
    }
  }
  await writeFile(path.join(assetsDir, "fonts.css"), `/* Made by scripts/fonts.ts from @fontsource: do not edit. */\n${rules.join("\n")}\n`);
  return files;
}
