// Re-rendering only what changed, for `kit dev`. Every page comes from two
// paginated Eleventy templates, so Eleventy's own incremental mode (which
// follows template files) would redraw every page on any lesson edit.
// Instead the whole model is rebuilt (cheap next to rendering) and each
// entry is compared with the one last rendered: an entry whose data did
// not change draws the same page, so only the changed ones go through the
// same Eleventy config and templates as a build. That is how a lesson edit
// redraws its own pages and those that list it (band, home, downloads,
// search), and nothing else, without a hand-kept dependency list going stale.
import { rm } from "node:fs/promises";
import path from "node:path";
import type { PrintEntry, SiteEntry, SiteModel } from "./model.ts";
import { renderSite } from "./render-site.ts";

export interface Rendered {
  /** Web pages drawn again (site-relative URLs). */
  site: string[];
  /** Print pages drawn again. */
  print: string[];
  /** Pages that are no longer in the model, removed. */
  removed: string[];
}

export class IncrementalSite {
  /** What each page was last drawn from, by URL. */
  private drawn = new Map<string, string>();

  constructor(readonly siteDir: string) {}

  /** Forget what was drawn: the next update draws every page (a template or stylesheet changed). */
  invalidate(): void {
    this.drawn.clear();
  }

  /** The data a print page was last drawn from, for the PDF stage to know what changed. */
  printed(url: string): string | undefined {
    return this.drawn.get(`print:${url}`);
  }

  async update(model: SiteModel): Promise<Rendered> {
    const fresh = new Map<string, string>();
    const changed = <T extends SiteEntry | PrintEntry>(entries: T[], kind: string): T[] =>
      entries.filter((entry) => {
        const key = `${kind}:${entry.url}`;
        const data = JSON.stringify(entry);
        fresh.set(key, data);
        return this.drawn.get(key) !== data;
      });
    const site = changed(model.site, "site");
    const print = changed(model.print, "print");
    const removed = [...this.drawn.keys()].filter((key) => !fresh.has(key)).map((key) => key.slice(key.indexOf(":") + 1));
    await Promise.all(removed.map((url) => rm(path.join(this.siteDir, url), { force: true })));
    // Even with nothing to draw, Eleventy copies the assets: a stylesheet edit lands this way.
    await renderSite({ site, print, pdfs: [] }, this.siteDir);
    this.drawn = fresh;
    return { site: site.map((e) => e.url), print: print.map((e) => e.url), removed };
  }
}
