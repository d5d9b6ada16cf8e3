// Eleventy only wires things together here; the pipeline lives in scripts/
// (see scripts/render-site.ts, which runs Eleventy with the kit's data).
import handlebarsPlugin from "@11ty/eleventy-plugin-handlebars";
import { createHandlebars } from "./scripts/site-helpers.ts";

export default function (eleventyConfig) {
  eleventyConfig.addPlugin(handlebarsPlugin, { eleventyLibraryOverride: createHandlebars() });
  eleventyConfig.addPassthroughCopy({ "templates/assets": "assets" });
  // Fonts are bundled so that every machine prints the same glyphs.
  eleventyConfig.addPassthroughCopy({
    "node_modules/@fontsource/noto-sans/files/noto-sans-latin{,-ext}-{400,700}-{normal,italic}.woff2": "assets/fonts",
  });
  return {
    dir: { input: "templates", includes: "partials", layouts: "layouts" },
    templateFormats: ["hbs"],
  };
}
