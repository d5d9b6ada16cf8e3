// Stage 4: write the website and the print pages with Eleventy. Eleventy
// gets the finished model as global data; the templates only lay it out.
import path from "node:path";
import Eleventy from "@11ty/eleventy";
import type { SiteModel } from "./model.ts";

export async function renderSite(projectRoot: string, model: SiteModel, outDir: string): Promise<number> {
  const previous = process.cwd();
  // Eleventy resolves the directories of its config from the working directory.
  process.chdir(projectRoot);
  try {
    const eleventy = new Eleventy("templates", outDir, {
      configPath: path.join(projectRoot, ".eleventy.js"),
      quietMode: true,
      config(eleventyConfig) {
        eleventyConfig.addGlobalData("kit", model);
      },
    });
    eleventy.disableLogger();
    await eleventy.write();
    return model.site.length + model.print.length;
  } finally {
    process.chdir(previous);
  }
}
