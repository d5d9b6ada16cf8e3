// The website as parents, teachers and young people meet it (#5): every
// built page of every locale loaded in real Chromium.
import { readFile, readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import axe from "axe-core";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PAPERS } from "../scripts/core/schema.ts";
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";
import { kitFacts } from "./kit-facts.ts";

const out = inject("kitOut");
// What to expect is read from the kit's own files, so any kit passes, not only this one.
const kit = kitFacts();
const site = path.join(out, "site");
let pages: string[];
let running: RunningBrowser;

beforeAll(async () => {
  pages = (await readdir(site, { recursive: true }))
    .filter((f) => f.endsWith(".html") && !f.startsWith("print/") && !f.includes("pagefind"))
    .sort();
  running = await launchBrowser();
});
afterAll(async () => running?.close());

const fileUrl = (page: string) => pathToFileURL(path.join(site, page)).href;

async function newPage(): Promise<Page> {
  return running.browser.newPage();
}

describe("every page of every locale", () => {
  it("covers home, bands, lessons, help and search in every locale", () => {
    for (const locale of kit.locales) {
      const bands = [...new Set(locale.lessons.map((l) => l.band))].filter((b) => b !== "adults");
      const expected = ["index.html", "help.html", "search.html", ...bands.map((b) => `bands/${b}.html`), ...locale.lessons.map((l) => `lessons/${l.id}.html`)];
      for (const page of expected) expect(pages).toContain(`${locale.code}/${page}`);
    }
  });

  it("passes axe-core with no WCAG 2.2 A or AA violations, and headings in order", async () => {
    const page = await newPage();
    await page.setBypassCSP(true); // only so that axe itself can be injected
    const failures: string[] = [];
    for (const file of pages) {
      await page.goto(fileUrl(file), { waitUntil: "load" });
      await page.addScriptTag({ content: axe.source });
      const violations = await page.evaluate(async () => {
        const { axe: run } = window as unknown as { axe: typeof axe };
        const wcag = await run.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
        const headings = await run.run(document, { runOnly: { type: "rule", values: ["heading-order", "page-has-heading-one", "landmark-one-main"] } });
        const result = { violations: [...wcag.violations, ...headings.violations] };
        return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
      });
      failures.push(...violations.map((v) => `${file}: ${v}`));
    }
    await page.close();
    expect(failures).toEqual([]);
  });

  it("loads nothing from any other origin and sets no cookie", async () => {
    const page = await newPage();
    const foreign: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file://") && !request.url().startsWith("data:")) foreign.push(`${page.url()} -> ${request.url()}`);
    });
    for (const file of pages) {
      await page.goto(fileUrl(file), { waitUntil: "load" });
      expect(await page.evaluate(() => document.cookie), file).toBe("");
    }
    await page.close();
    expect(foreign).toEqual([]);
  });

  it("has a Content-Security-Policy of its own files only, and no inline script or event handler", async () => {
    for (const file of pages) {
      const html = await readFile(path.join(site, file), "utf8");
      expect(html, file).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'self';`);
      expect(html, file).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html, file).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
      expect(html, file).not.toMatch(/https?:\/\/[^"]*\.(js|css|woff2?)/);
    }
  });

  it("has a quick exit, a Get help now link, a skip link and the same page in every other locale", async () => {
    const locales = [...new Set(pages.filter((f) => f.endsWith("/help.html")).map((f) => f.split("/")[0]))];
    for (const file of pages) {
      const html = await readFile(path.join(site, file), "utf8");
      expect(html, file).toMatch(new RegExp(`<a id="quick-exit"[^>]*href="${kit.quickExitUrl.replace(/[.?+*()[\]\\/]/g, "\\$&")}"`));
      expect(html, file).toMatch(/class="get-help" href="[^"]*help\.html"/);
      expect(html, file).toContain('class="skip-link" href="#main"');
      if (file === "index.html" || file === "404.html") continue;
      // The same page in every locale, this one included, and x-default.
      const [, ...rest] = file.split("/");
      const alternates = [...html.matchAll(/<link rel="alternate" hreflang="(?!x-default)[^"]+" href="(?:\.\.\/)*([^"]+)">/g)].map((m) => m[1]).sort();
      const all = kit.locales.map((l) => [l.code, ...rest].join("/")).sort();
      expect(alternates, file).toEqual(all);
      expect(html, file).toContain('hreflang="x-default"');
    }
  });

  it("fits a 320 px screen without sideways scrolling", async () => {
    const page = await newPage();
    await page.setViewport({ width: 320, height: 640 });
    for (const file of pages.filter((f) => !f.endsWith("search.html"))) {
      await page.goto(fileUrl(file), { waitUntil: "load" });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, file).toBeLessThanOrEqual(320);
    }
    await page.close();
  });
});

describe("quick exit", () => {
  async function exitPage(): Promise<Page> {
    const page = await newPage();
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (request.url().startsWith(kit.quickExitUrl)) void request.respond({ status: 200, contentType: "text/html", body: "<title>neutral</title>" });
      else void request.continue();
    });
    await page.goto(fileUrl(`${kit.main.code}/index.html`));
    await page.goto(fileUrl(`${kit.main.code}/lessons/${kit.main.lessons[0]!.id}.html`));
    return page;
  }

  it("leaves for a neutral page and replaces the history entry", async () => {
    const page = await exitPage();
    await Promise.all([page.waitForNavigation(), page.click("#quick-exit")]);
    expect(page.url()).toBe(kit.quickExitUrl);
    await page.goBack();
    expect(page.url()).toBe(fileUrl(`${kit.main.code}/index.html`));
    await page.close();
  });

  it("also leaves when Escape is pressed twice", async () => {
    const page = await exitPage();
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Escape").then(() => page.keyboard.press("Escape"))]);
    expect(page.url()).toBe(kit.quickExitUrl);
    await page.close();
  });
});

describe("without JavaScript", () => {
  it("still shows every lesson, link and download, and hides only the print button", async () => {
    const lesson = kit.main.lessons[0]!;
    const file = `${kit.main.code}/lessons/${lesson.id}.html`;
    // <lesson>-<variant>-<paper>.pdf, whatever the variants: a variant name has no hyphen.
    const handouts = new RegExp(`^${lesson.id}-[a-z]+-(${PAPERS.join("|")})\\.pdf$`);
    const downloads = (await readdir(path.join(site, "pdf", kit.main.code))).filter((f) => handouts.test(f)).length;
    const page = await newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(fileUrl(file));
    const facts = await page.evaluate(() => ({
      title: document.querySelector("h1")?.textContent,
      downloads: document.querySelectorAll(".downloads a[href$='.pdf']").length,
      printVisible: !document.querySelector<HTMLElement>("[data-print]")?.hidden,
      next: document.querySelector<HTMLAnchorElement>("a[rel=next]")?.href ?? "",
    }));
    await page.close();
    expect(downloads).toBeGreaterThan(0);
    expect(facts).toMatchObject({ title: lesson.title, downloads, printVisible: false });
    if (kit.main.lessons.length > 1) expect(facts.next).toMatch(new RegExp(`/${kit.main.code}/lessons/[^/]+\\.html$`));
  });

  it("chains each band's lessons with next links, through every lesson of the band once", async () => {
    for (const locale of kit.locales) {
      for (const band of new Set(locale.lessons.map((l) => l.band))) {
        const ids = locale.lessons.filter((l) => l.band === band).map((l) => l.id);
        const next = new Map<string, string>();
        for (const id of ids) {
          const html = await readFile(path.join(site, locale.code, "lessons", `${id}.html`), "utf8");
          const target = /<a rel="next" href="[^"]*\/lessons\/([^"/]+)\.html"/.exec(html)?.[1];
          if (target) next.set(id, target);
        }
        const where = `${locale.code} band ${band}`;
        expect(next.size, where).toBe(ids.length - 1);
        const first = ids.find((id) => ![...next.values()].includes(id));
        const seen = [first];
        for (let id = first; id && next.has(id); ) seen.push((id = next.get(id)));
        expect(seen.sort(), where).toEqual([...ids].sort());
      }
    }
  });
});

describe("search", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // Pagefind loads its index with fetch(), which browsers refuse on file://.
    server = createServer(async (req, res) => {
      const file = path.join(site, decodeURIComponent((req.url ?? "/").split("?")[0]!));
      const body = await readFile(file).catch(() => undefined);
      const type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".wasm") ? "application/wasm" : file.endsWith(".html") ? "text/html" : "application/octet-stream";
      res.writeHead(body ? 200 : 404, { "content-type": type }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function search(locale: string, term: string): Promise<string[]> {
    const page = await newPage();
    await page.goto(`${base}/${locale}/search.html`);
    // A string, so the test runner does not rewrite the page's own import().
    const urls = (await page.evaluate(`(async () => {
      const pagefind = await import("./pagefind/pagefind.js");
      const found = await pagefind.search(${JSON.stringify(term)});
      const data = await Promise.all(found.results.map((r) => r.data()));
      return data.map((d) => d.url);
    })()`)) as string[];
    await page.close();
    return urls;
  }

  it("finds lessons by their words, in each locale's own index and language", async () => {
    for (const locale of kit.locales) {
      // The longest word of a lesson's title: in its page, and rare elsewhere.
      const lesson = locale.own[0] ?? locale.lessons[0]!;
      const word = lesson.title.split(/[^\p{L}]+/u).sort((a, b) => b.length - a.length)[0]!;
      const urls = await search(locale.code, word);
      expect(urls, `${locale.code}: "${word}"`).toEqual(expect.arrayContaining([expect.stringContaining(`/${locale.code}/lessons/${lesson.id}.html`)]));
      expect(urls.every((url) => url.includes(`/${locale.code}/`)), `${locale.code}: "${word}" only in its own locale`).toBe(true);
    }
  });
});
