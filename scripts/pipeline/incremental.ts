// Re-rendering only what changed, for `kit dev`. Every page comes from two
// paginated Eleventy templates, so Eleventy's own incremental mode (which
// follows template files) would redraw every page on any lesson edit.
// Instead the whole model is rebuilt (cheap next to rendering) and each
// entry is compared with the one last rendered: an entry whose data did
// not change draws the same page, so only the changed ones go through the
// same Eleventy config and templates as a build. That is how a lesson edit
// redraws its own pages and those that list it (band, home, downloads,
// search), and nothing else, without a hand-kept dependency list going stale.
//
// Entries are compared as values (isDeepStrictEqual), not as JSON: the
// booklets' print entries hold every handout, 40 MB of JSON for the shipped
// kit, and writing it out took longer than drawing a lesson's page. The
// caller passes a new model each time (buildModel makes new objects), so an
// entry kept here is never the one compared with it.
import { rm } from "node:fs/promises";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { PrintEntry, SiteEntry, SiteModel } from "./model.ts";
import { renderSite } from "./render-site.ts";

export interface Rendered {
  /** Pages drawn again (site-relative URLs). */
  drawn: string[];
  /** Pages that are no longer in the model, removed. */
  removed: string[];
}

export class IncrementalSite {
  /** What each web page was last drawn from, by URL. */
  private site = new Map<string, SiteEntry>();
  /** What each print page was last drawn from, by URL. */
  private print = new Map<string, PrintEntry>();
  /** Copy the assets with the next web pages (a template or stylesheet changed, or nothing is drawn yet). */
  private assets = true;

  constructor(readonly siteDir: string) {}

  /** Forget what was drawn: the next updates draw every page and copy the assets (a template or stylesheet changed). */
  invalidate(): void {
    this.site.clear();
    this.print.clear();
    this.assets = true;
  }

  /** The data a print page was last drawn from, for the PDF stage to know what changed. */
  printed(url: string): PrintEntry | undefined {
    return this.print.get(url);
  }

  /** Draws the web pages whose data changed and removes those gone; print pages wait for updatePrint. */
  async update(model: SiteModel): Promise<Rendered> {
    const { changed, removed } = await this.compare(this.site, model.site);
    await renderSite({ site: changed, print: [], pdfs: [] }, this.siteDir, { assets: this.assets });
    this.assets = false;
    this.site = new Map(model.site.map((e) => [e.url, e]));
    return { drawn: changed.map((e) => e.url), removed };
  }

  /** Draws the print pages (what the PDFs are printed from) whose data changed. */
  async updatePrint(model: SiteModel): Promise<Rendered> {
    const { changed, removed } = await this.compare(this.print, model.print);
    if (changed.length) await renderSite({ site: [], print: changed, pdfs: [] }, this.siteDir, { assets: false });
    this.print = new Map(model.print.map((e) => [e.url, e]));
    return { drawn: changed.map((e) => e.url), removed };
  }

  /** The entries whose data changed since they were drawn; pages no longer in the model are deleted here. */
  private async compare<T extends SiteEntry | PrintEntry>(last: Map<string, T>, entries: T[]): Promise<{ changed: T[]; removed: string[] }> {
    const changed = entries.filter((entry) => {
      const before = last.get(entry.url);
      return !before || !isDeepStrictEqual(before, entry);
    });
    const urls = new Set(entries.map((e) => e.url));
    const removed = [...last.keys()].filter((url) => !urls.has(url));
    await Promise.all(removed.map((url) => rm(path.join(this.siteDir, url), { force: true })));
    return { changed, removed };
  }
}
