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
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";

const out = inject("kitOut");
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
  it("covers home, bands, lessons, help and search in all three locales", () => {
    for (const locale of ["en-MY", "ms-MY", "en-US"]) {
      for (const page of ["index.html", "help.html", "search.html", "bands/8-10.html", "lessons/11-13-someone-threatens-you.html"]) {
        expect(pages).toContain(`${locale}/${page}`);
      }
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
      expect(html, file).toMatch(/<a id="quick-exit"[^>]*href="https:\/\/www\.google\.com\/"/);
      expect(html, file).toMatch(/class="get-help" href="[^"]*help\.html"/);
      expect(html, file).toContain('class="skip-link" href="#main"');
      // Every locale's version, this one included, and x-default; a 404 page is no page of a locale.
      if (file !== "404.html") expect(html.match(/<link rel="alternate" hreflang=/g)?.length, file).toBe(locales.length + 1);
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
      if (request.url().startsWith("https://www.google.com/")) void request.respond({ status: 200, contentType: "text/html", body: "<title>neutral</title>" });
      else void request.continue();
    });
    await page.goto(fileUrl("en-MY/index.html"));
    await page.goto(fileUrl("en-MY/lessons/11-13-someone-threatens-you.html"));
    return page;
  }

  it("leaves for a neutral page and replaces the history entry", async () => {
    const page = await exitPage();
    await Promise.all([page.waitForNavigation(), page.click("#quick-exit")]);
    expect(page.url()).toBe("https://www.google.com/");
    await page.goBack();
    expect(page.url()).toBe(fileUrl("en-MY/index.html"));
    await page.close();
  });

  it("also leaves when Escape is pressed twice", async () => {
    const page = await exitPage();
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Escape").then(() => page.keyboard.press("Escape"))]);
    expect(page.url()).toBe("https://www.google.com/");
    await page.close();
  });
});

describe("without JavaScript", () => {
  it("still shows every lesson, link and download, and hides only the print button", async () => {
    const page = await newPage();
    await page.setJavaScriptEnabled(false);
    await page.goto(fileUrl("en-MY/lessons/11-13-someone-threatens-you.html"));
    const facts = await page.evaluate(() => ({
      title: document.querySelector("h1")?.textContent,
      downloads: document.querySelectorAll(".downloads a[href$='.pdf']").length,
      printVisible: !document.querySelector<HTMLElement>("[data-print]")?.hidden,
      next: document.querySelector<HTMLAnchorElement>("a[rel=next]")?.href,
    }));
    expect(facts).toEqual({ title: "If someone threatens you", downloads: 6, printVisible: false, next: fileUrl("en-MY/lessons/11-13-helping-a-friend.html") });
    await page.close();
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
    expect(await search("en-MY", "scammer")).toEqual(expect.arrayContaining([expect.stringContaining("14-17-sextortion-scams.html")]));
    expect(await search("ms-MY", "penipu")).toEqual(expect.arrayContaining([expect.stringContaining("ms-MY/lessons/")]));
    expect((await search("ms-MY", "penipu")).every((url) => url.includes("/ms-MY/"))).toBe(true);
  });
});
