// Eleventy only wires things together here; the pipeline lives in scripts/
// (see scripts/render-site.ts, which runs Eleventy with the kit's data).
import handlebarsPlugin from "@11ty/eleventy-plugin-handlebars";
import { createHandlebars } from "./scripts/pipeline/site-helpers.ts";

export default function (eleventyConfig) {
  eleventyConfig.addPlugin(handlebarsPlugin, { eleventyLibraryOverride: createHandlebars() });
  // renderSite (scripts/pipeline/render-site.ts) says whether this pass copies the assets.
  if (eleventyConfig.globalData.kitCopiesAssets !== false) eleventyConfig.addPassthroughCopy({ "templates/assets": "assets" });
  return {
    dir: { input: "templates", includes: "partials", layouts: "layouts" },
    templateFormats: ["hbs"],
  };
}
