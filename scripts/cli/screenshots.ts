// `npm run screenshots`: what a parent sees on a phone and a teacher on a
// desktop, as PNG files a reviewer can open (output/screenshots/).
import { mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { launchBrowser } from "../system/browser.ts";
import { build } from "../pipeline/build.ts";

const WIDTHS = { phone: 390, desktop: 1280 } as const;

export async function screenshots(root: string, locale: string, lesson: string): Promise<string[]> {
  const out = path.join(root, "output");
  const site = path.join(out, "site");
  if (!(await stat(path.join(site, "index.html")).catch(() => undefined))) await build({ root });
  const pages = { home: `${locale}/index.html`, lesson: `${locale}/lessons/${lesson}.html`, help: `${locale}/help.html` };
  const dir = path.join(out, "screenshots");
  await mkdir(dir, { recursive: true });
  const running = await launchBrowser();
  const written: string[] = [];
  try {
    const page = await running.browser.newPage();
    for (const [device, width] of Object.entries(WIDTHS)) {
      await page.setViewport({ width, height: device === "phone" ? 844 : 900, deviceScaleFactor: 1 });
      for (const [name, url] of Object.entries(pages)) {
        await page.goto(pathToFileURL(path.join(site, url)).href, { waitUntil: "load" });
        await page.evaluate(() => document.fonts.ready.then(() => undefined));
        const file = path.join(dir, `${name}-${device}.png`);
        await page.screenshot({ path: file as `${string}.png`, fullPage: true });
        written.push(file);
      }
    }
    written.push(...(await phoneTour(page, site, dir)));
  } finally {
    await running.close();
  }
  return written;
}

/**
 * The pages for the worst moment, on a phone, in every locale built: the
 * help page, the guided path (its start and its "not safe" answer) and the
 * parent page for the youngest age.
 */
async function phoneTour(page: import("puppeteer-core").Page, site: string, dir: string): Promise<string[]> {
  await page.setViewport({ width: WIDTHS.phone, height: 844, deviceScaleFactor: 1 });
  const locales = [];
  for (const entry of await readdir(site, { withFileTypes: true })) {
    if (entry.isDirectory() && (await stat(path.join(site, entry.name, "help.html")).catch(() => undefined))) locales.push(entry.name);
  }
  const written: string[] = [];
  for (const locale of locales.sort()) {
    const parents = (await readdir(path.join(site, locale, "parents")).catch(() => [] as string[])).sort((a, b) => parseInt(a) - parseInt(b));
    const pages: Record<string, string | undefined> = {
      help: "help.html",
      "now-me": "now/me-start.html",
      "now-me-not-safe": "now/me-safe-no.html",
      "now-adult": "now/adult-start.html",
      parent: parents[0] ? `parents/${parents[0]}` : undefined,
    };
    for (const [name, url] of Object.entries(pages)) {
      if (!url) continue;
      await page.goto(pathToFileURL(path.join(site, locale, url)).href, { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const file = path.join(dir, `${locale}-${name}-phone.png`);
      await page.screenshot({ path: file as `${string}.png`, fullPage: true });
      written.push(file);
    }
  }
  return written;
}
