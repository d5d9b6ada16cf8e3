// Stage 4b: Pagefind search, one index per locale, written next to that
// locale's pages (site/<locale>/pagefind) so a search never mixes kits.
import path from "node:path";
import * as pagefind from "pagefind";
import { KitError } from "../core/problems.ts";

export async function buildSearchIndexes(siteDir: string, locales: readonly string[]): Promise<number> {
  let pages = 0;
  try {
    for (const code of locales) {
      const { index, errors } = await pagefind.createIndex({});
      if (!index) throw new Error(errors.join("; "));
      const added = await index.addDirectory({ path: path.join(siteDir, code), glob: "**/*.html" });
      if (added.errors.length) throw new Error(added.errors.join("; "));
      pages += added.page_count;
      const written = await index.writeFiles({ outputPath: path.join(siteDir, code, "pagefind") });
      if (written.errors.length) throw new Error(written.errors.join("; "));
    }
  } catch (error) {
    throw new KitError([{ file: "output/site", field: "search", message: `Pagefind could not index the site: ${error instanceof Error ? error.message : String(error)}` }]);
  } finally {
    await pagefind.close();
  }
  return pages;
}
