// Stage 4: write the website and the print pages with Eleventy. Eleventy
// gets the finished model as global data; the templates only lay it out.
import path from "node:path";
import { fileURLToPath } from "node:url";
import Eleventy from "@11ty/eleventy";
import { register } from "tsx/esm/api";
import { writeFonts } from "./fonts.ts";
import type { SiteModel } from "./model.ts";

// Eleventy imports .eleventy.js natively, and that imports our TypeScript
// helpers: tsx's loader makes this work whoever called us (CLI or tests).
let loaderRegistered = false;
function registerTypeScriptLoader(): void {
  if (loaderRegistered) return;
  register();
  loaderRegistered = true;
}

/** The templates and .eleventy.js belong to the tool, not to a kit's content folder. */
export const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface RenderOptions {
  /**
   * Copy the stylesheets, scripts and fonts too (default). `kit dev` draws
   * a save's web pages and then its print pages in two passes, and copies
   * the assets once: a page reloading while they are copied again could
   * get half a stylesheet.
   */
  assets?: boolean;
}

export async function renderSite(model: SiteModel, outDir: string, options: RenderOptions = {}): Promise<number> {
  const assets = options.assets ?? true;
  registerTypeScriptLoader();
  const previous = process.cwd();
  // Eleventy resolves the directories of its config from the working directory.
  process.chdir(TOOL_ROOT);
  try {
    const eleventy = new Eleventy("templates", path.resolve(outDir), {
      configPath: path.join(TOOL_ROOT, ".eleventy.js"),
      quietMode: true,
      config(eleventyConfig) {
        eleventyConfig.addGlobalData("kit", model);
        // Read by .eleventy.js, which adds the passthrough copy after this runs.
        eleventyConfig.addGlobalData("kitCopiesAssets", assets);
      },
    });
    eleventy.disableLogger();
    await eleventy.write();
    if (assets) await writeFonts(path.join(outDir, "assets"));
    return model.site.length + model.print.length;
  } finally {
    process.chdir(previous);
  }
}
