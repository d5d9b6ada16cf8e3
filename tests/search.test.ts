// Search as a person uses it: the built site served over http, a word
// typed into the search box on each locale's search page, and links to
// lessons in the results; and what the same page says from file://.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";
import { serveDir, type Served } from "./helpers.ts";

const site = path.join(inject("kitOut"), "site");
let running: RunningBrowser;
let served: Served;
/** Every locale the built kit has a search page for, read from the site itself. */
let locales: string[];

beforeAll(async () => {
  const entries = await readdir(site, { withFileTypes: true });
  const found: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name === "print") continue;
    if (await readFile(path.join(site, e.name, "search.html")).then(() => true, () => false)) found.push(e.name);
  }
  locales = found.sort();
  running = await launchBrowser();
  served = await serveDir(site);
});
afterAll(async () => {
  await served?.close();
  await running?.close();
});

/** A word from the title of one of the locale's built lessons: long enough to be a real word, not a stop word. */
async function titleWord(locale: string): Promise<{ word: string; lesson: string }> {
  const dir = path.join(site, locale, "lessons");
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".html")).sort()) {
    const html = await readFile(path.join(dir, file), "utf8");
    const title = /<h1[^>]*>([^<]+)<\/h1>/.exec(html)?.[1] ?? "";
    const word = title
      .split(/[^\p{L}]+/u)
      .filter((w) => w.length >= 6)
      .sort((a, b) => b.length - a.length)[0];
    if (word) return { word, lesson: file };
  }
  throw new Error(`${locale}: no lesson title with a word to search for`);
}

describe("search over http", () => {
  it("finds the kit's locales", () => {
    expect(locales.length).toBeGreaterThan(0);
  });

  it("answers a word typed into the search box with links to lessons, in every locale", async () => {
    const report: Record<string, unknown> = {};
    for (const locale of locales) {
      const { word } = await titleWord(locale);
      const page = await running.browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${served.base}/${locale}/search.html`, { waitUntil: "load" });
      const input = await page.waitForSelector("#search input[type=text], #search input[type=search]", { visible: true, timeout: 10_000 });
      await input!.type(word, { delay: 20 });
      // Results come in one by one, other pages (help, parents) maybe first: wait for a lesson's.
      await page.waitForFunction(
        (prefix) => [...document.querySelectorAll<HTMLAnchorElement>("#search .pagefind-ui__result-link")].some((a) => a.href.startsWith(prefix)),
        { timeout: 15_000 },
        `${served.base}/${locale}/lessons/`,
      ).catch(() => undefined);
      const found = await page.evaluate(() => ({
        links: [...document.querySelectorAll<HTMLAnchorElement>("#search .pagefind-ui__result-link")].map((a) => a.href),
        placeholder: document.querySelector<HTMLInputElement>("#search input")?.placeholder ?? "",
        offline: !document.getElementById("search-offline")?.hidden,
      }));
      const expected = await readFile(path.join(site, locale, "search.html"), "utf8");
      const labels = JSON.parse(/data-labels="([^"]*)"/.exec(expected)![1]!.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, "&")) as Record<string, string>;
      report[locale] = { word, links: found.links.length };
      // Results link to this locale's lessons (the help page is indexed too, so not only lessons).
      expect(found.links.filter((href) => href.startsWith(`${served.base}/${locale}/lessons/`)).length, `${locale}: "${word}"`).toBeGreaterThan(0);
      for (const href of found.links) expect(href, locale).toMatch(new RegExp(`^${served.base}/${locale}/[^?#]+\\.html`));
      // The box speaks the locale's words, not Pagefind's English.
      expect(found.placeholder, locale).toBe(labels.placeholder);
      expect(found.offline, locale).toBe(false);
      expect(errors, locale).toEqual([]);
      await page.close();
    }
    expect(Object.keys(report)).toEqual(locales);
  });
});

describe("search from file://", () => {
  it("says search cannot work from the disk and lists every lesson instead of a spinner", async () => {
    for (const locale of locales) {
      const page = await running.browser.newPage();
      await page.goto(pathToFileURL(path.join(site, locale, "search.html")).href, { waitUntil: "load" });
      const shown = await page.evaluate(() => ({
        message: document.getElementById("search-offline")?.hidden === false ? document.getElementById("search-offline")!.textContent : "",
        box: document.getElementById("search")?.hidden,
        searching: document.body.innerText.includes("Searching for"),
        links: [...document.querySelectorAll<HTMLAnchorElement>("#search-lessons a")].filter((a) => a.offsetParent !== null).map((a) => a.href),
      }));
      expect(shown.message, locale).toContain("file://");
      expect(shown.box, locale).toBe(true);
      expect(shown.searching, locale).toBe(false);
      const lessons = (await readdir(path.join(site, locale, "lessons"))).filter((f) => f.endsWith(".html"));
      for (const file of lessons) expect(shown.links, `${locale}: ${file}`).toContain(pathToFileURL(path.join(site, locale, "lessons", file)).href);
      await page.close();
    }
  });

  it("without JavaScript, shows the lesson list and no dead search box", async () => {
    const locale = locales[0]!;
    const page = await running.browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(`${served.base}/${locale}/search.html`, { waitUntil: "load" });
    const shown = await page.evaluate(() => ({
      box: document.getElementById("search")?.hidden,
      links: [...document.querySelectorAll<HTMLAnchorElement>("#search-lessons a[href*='lessons/']")].filter((a) => a.offsetParent !== null).length,
    }));
    expect(shown.box).toBe(true);
    expect(shown.links).toBeGreaterThan(0);
    await page.close();
  });
});
