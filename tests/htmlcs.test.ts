// HTML_CodeSniffer, the second engine pa11y runs, over every built page at
// WCAG 2 AA: any error fails, named by page, rule code and element. pa11y
// itself is not used: version 9 downloads a browser of its own and 10 needs
// Node 22, so its engine is injected into the system Chromium here.
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";

const site = path.join(inject("kitOut"), "site");
const HTMLCS = createRequire(import.meta.url).resolve("html_codesniffer/build/HTMLCS.js");
let pages: string[];
let running: RunningBrowser;

beforeAll(async () => {
  pages = (await readdir(site, { recursive: true }))
    .filter((f) => f.endsWith(".html") && !f.startsWith("print/") && !f.includes("pagefind"))
    .sort();
  running = await launchBrowser();
});
afterAll(async () => running?.close());

/** Errors HTML_CodeSniffer reports for the page open in `page`, as "code at selector: message". */
async function sniff(page: import("puppeteer-core").Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        interface Message {
          type: number;
          code: string;
          msg: string;
          element: Element;
        }
        const { HTMLCS: cs } = window as unknown as { HTMLCS: { process(s: string, d: Document, done: () => void): void; getMessages(): Message[] } };
        // The element's path, so a failure says where without opening the page.
        const where = (el: Element): string => {
          const parts: string[] = [];
          for (let e: Element | null = el; e && e !== document.documentElement; e = e.parentElement) {
            parts.unshift(e.id ? `${e.tagName.toLowerCase()}#${e.id}` : `${e.tagName.toLowerCase()}${e.className && typeof e.className === "string" ? `.${e.className.trim().split(/\s+/).join(".")}` : ""}`);
            if (e.id) break;
          }
          return parts.join(" > ");
        };
        cs.process("WCAG2AA", document, () => {
          // Type 1 is an error; 2 and 3 are warnings and notices for a person to judge.
          resolve(cs.getMessages().filter((m) => m.type === 1).map((m) => `${m.code} at ${where(m.element)}: ${m.msg}`));
        });
      }),
  );
}

describe("HTML_CodeSniffer (pa11y's second engine)", () => {
  it("finds no WCAG 2 AA error on any page of any locale", async () => {
    expect(pages.length).toBeGreaterThan(0);
    const page = await running.browser.newPage();
    await page.setBypassCSP(true); // only so that the checker itself can be injected
    const failures: string[] = [];
    for (const file of pages) {
      await page.goto(pathToFileURL(path.join(site, file)).href, { waitUntil: "load" });
      await page.addScriptTag({ path: HTMLCS });
      failures.push(...(await sniff(page)).map((f) => `${file}: ${f}`));
    }
    await page.close();
    expect(failures).toEqual([]);
  }, 300_000);
});
