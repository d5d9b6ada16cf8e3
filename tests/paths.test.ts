// The site as people use it at the worst moment, by clicking: the guided
// path from the home page to the emergency number and the money-paid line,
// and a parent from the home page to the words to say in two taps. Every
// expectation comes from the kit's own files (roles, lines, strings).
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { contactHref } from "../scripts/core/contacts.ts";
import { translator } from "../scripts/core/strings.ts";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import type { Kit, Locale } from "../scripts/pipeline/validate.ts";
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";
import { PROJECT } from "./helpers.ts";

const site = path.join(inject("kitOut"), "site");
let kit: Kit;
let running: RunningBrowser;

beforeAll(async () => {
  kit = await loadValidKit(PROJECT);
  running = await launchBrowser();
});
afterAll(async () => running?.close());

async function open(locale: string, file: string): Promise<Page> {
  const page = await running.browser.newPage();
  await page.setJavaScriptEnabled(false); // the paths are plain links: they must work without it
  await page.goto(pathToFileURL(path.join(site, locale, file)).href);
  return page;
}

/** Clicks the link named `text` (its bold name, or all its words), inside `scope`, and waits for the next page. */
async function tap(page: Page, scope: string, text: string): Promise<void> {
  const handle = await page.evaluateHandle(
    (scope, text) => [...document.querySelectorAll<HTMLAnchorElement>(`${scope} a`)].find((a) => (a.querySelector("strong") ?? a).textContent?.trim() === text.trim()),
    scope,
    text,
  );
  const link = handle.asElement() as import("puppeteer-core").ElementHandle<HTMLAnchorElement> | null;
  expect(link, `no link "${text}" in ${scope} of ${page.url()}`).not.toBeNull();
  await Promise.all([page.waitForNavigation(), link!.click()]);
}

const hrefs = (page: Page, scope: string) => page.$$eval(`${scope} a`, (links) => links.map((a) => a.getAttribute("href") ?? ""));

/** The href of the first line filling `role`, as the region file gives it. */
function lineHrefs(locale: Locale, role: "emergency" | "money-paid" | "call-first"): string[] {
  const line = locale.lines.get(locale.region.roles.get(role)?.[0] ?? "");
  const dialing = { callingCode: locale.region.meta.callingCode, trunkPrefix: locale.region.meta.trunkPrefix };
  return (line?.contacts ?? []).flatMap((c) => contactHref(c, dialing) ?? []);
}

describe("the guided path, from the home page", () => {
  for (const audience of ["me", "adult"] as const) {
    it(`leads ${audience === "me" ? "a young person" : "a parent"} to the emergency number and the money-paid line, in every locale`, async () => {
      for (const locale of kit.locales) {
        const t = translator(locale.strings, locale.code);
        const at = `${locale.code} ${audience}`;
        const page = await open(locale.code, "index.html");
        await tap(page, "main", t(`now.entry.${audience}`));
        expect(await page.$eval("h1", (h) => h.textContent), at).toBe(t(`now.${audience}.title`));
        expect(await page.$eval("main h2", (h) => h.textContent), at).toBe(t(`now.${audience}.safe.question`));

        await tap(page, ".now-question", t(`now.${audience}.safe.answer.no`));
        const emergency = lineHrefs(locale, "emergency").filter((h) => h.startsWith("tel:"));
        const afterDanger = await hrefs(page, ".now-advice");
        if (emergency.length) {
          expect(afterDanger[0], at).toBe(emergency[0]);
          expect(afterDanger[0], at).toMatch(/^tel:/);
        } else expect(afterDanger, at).toEqual(expect.arrayContaining(lineHrefs(locale, "call-first")));

        await tap(page, ".now-question", t(`now.${audience}.money.answer.yes`));
        expect(await page.$eval(".now-advice h2", (h) => h.textContent), at).toBe(t(`now.${audience}.money.yes.title`));
        const paid = lineHrefs(locale, "money-paid");
        if (locale.region.roles.get("money-paid")?.length) {
          expect(paid.length, at).toBeGreaterThan(0);
          expect(await hrefs(page, ".now-advice"), at).toEqual(expect.arrayContaining(paid));
        }
        await page.close();
      }
    });
  }

  it("is one tap from the help page, for each audience", async () => {
    for (const locale of kit.locales) {
      const t = translator(locale.strings, locale.code);
      for (const audience of ["me", "adult"] as const) {
        const page = await open(locale.code, "help.html");
        await tap(page, "main", t(`now.entry.${audience}`));
        expect(await page.$eval("main h2", (h) => h.textContent), locale.code).toBe(t(`now.${audience}.safe.question`));
        await page.close();
      }
    }
  });
});

const said = new Map<string, string[]>();
/** The text of every `::: say` block on the locale's built lesson and guide pages. */
async function sayBlocks(locale: Locale): Promise<string[]> {
  if (!said.has(locale.code)) {
    const texts: string[] = [];
    for (const lesson of locale.lessons) {
      const page = await open(locale.code, `lessons/${lesson.id}.html`);
      texts.push(...(await page.$$eval(".block-say .block-body", (blocks) => blocks.map((b) => b.textContent?.trim() ?? ""))));
      await page.close();
    }
    said.set(locale.code, texts);
  }
  return said.get(locale.code)!;
}

describe("a parent's path", () => {
  it("goes from the home page to the words to say first in two taps, for every age", async () => {
    for (const locale of kit.locales) {
      const t = translator(locale.strings, locale.code);
      const bands = [...new Set(locale.lessons.map((l) => l.meta.band))].filter((b) => b !== "adults");
      for (const band of bands) {
        const at = `${locale.code} ${band}`;
        const page = await open(locale.code, "index.html");
        await tap(page, ".who", t("index.who.parent"));
        // The second tap: the child's age, as the band's label names it.
        // The second tap: the child's age, where the first tap led.
        const there = await page.evaluate(() => location.hash);
        expect(there, at).not.toBe("");
        await tap(page, there, t(`band.${band}`));
        expect(await page.$eval("h1", (h) => h.textContent), at).toBe(t("parents.title", { band: t(`band.${band}`) }));
        const seen = await page.evaluate(() => ({
          firstHeading: document.querySelector("main h2")?.textContent ?? "",
          words: document.querySelector("#words .block-say .block-body")?.textContent?.trim() ?? "",
          starters: [...document.querySelectorAll(".parent-starters li")].map((li) => li.textContent),
          tell: document.querySelectorAll(".parent-tell ol li").length,
        }));
        expect(seen.firstHeading, at).toBe(t("parents.words"));
        // The words are suggested words the kit already gives adults, on a guide or a lesson of this locale.
        expect(seen.words.length, at).toBeGreaterThan(0);
        expect(await sayBlocks(locale), at).toContain(seen.words);
        const starters = locale.lessons.filter((l) => l.meta.band === band).flatMap((l) => l.meta.family?.starters ?? []);
        expect(seen.starters.length, at).toBe(Math.min(3, starters.length));
        for (const s of seen.starters) expect(starters, at).toContain(s);
        expect(seen.tell, at).toBe((locale.strings["help.adult.steps"] as string[]).length);
        await page.close();
      }
    }
  });
});

describe("arriving from a search engine or at a wrong address", () => {
  it("names every locale's page by its locale code, itself included, with the default locale as x-default, and an icon that exists", async () => {
    const { readFile, stat } = await import("node:fs/promises");
    for (const locale of kit.locales) {
      for (const file of ["index.html", "help.html", "now/me-start.html"]) {
        const html = await readFile(path.join(site, locale.code, file), "utf8");
        const alternates = [...html.matchAll(/<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">/g)].map((m) => [m[1], m[2]]);
        const at = `${locale.code}/${file}`;
        expect(alternates.map(([lang]) => lang).sort(), at).toEqual([...kit.locales.map((l) => l.code), "x-default"].sort());
        expect(alternates.find(([lang]) => lang === "x-default")?.[1], at).toBe(`${"../".repeat(file.split("/").length)}${kit.config.defaultLocale}/${file}`);
        const icon = /<link rel="icon" href="([^"]+)"/.exec(html)?.[1];
        expect(icon, at).toBeDefined();
        expect((await stat(path.join(site, locale.code, path.dirname(file), icon!))).isFile(), at).toBe(true);
      }
    }
  });

  it("has a 404 page at the site root with the header, quick exit and the help link", async () => {
    const page = await running.browser.newPage();
    await page.goto(pathToFileURL(path.join(site, "404.html")).href);
    const seen = await page.evaluate(() => ({
      exit: document.querySelector<HTMLAnchorElement>("#quick-exit")?.href ?? "",
      help: [...document.querySelectorAll<HTMLAnchorElement>("header a.get-help, main a")].map((a) => a.href),
      h1: document.querySelector("h1")?.textContent ?? "",
    }));
    const t = translator(kit.locales.find((l) => l.code === kit.config.defaultLocale)!.strings, kit.config.defaultLocale);
    expect(seen.exit).toBe(kit.config.quickExitUrl);
    expect(seen.h1).toBe(t("notfound.title"));
    expect(seen.help).toContain(pathToFileURL(path.join(site, kit.config.defaultLocale, "help.html")).href);
    await page.close();
  });
});
