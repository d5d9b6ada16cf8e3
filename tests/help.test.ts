// The help page as a frightened reader meets it: the emergency number
// first, a path for the young person and one for the adult, the line to
// call first marked, and every line's name a heading to jump to.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { contactHref } from "../scripts/core/contacts.ts";
import { translator } from "../scripts/core/strings.ts";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import type { Kit } from "../scripts/pipeline/validate.ts";
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

describe("the help page", () => {
  it("starts with the emergency number, then two paths, and marks the lines by role", async () => {
    for (const locale of kit.locales) {
      const t = translator(locale.strings, locale.code);
      const roles = locale.region.roles;
      const page = await running.browser.newPage();
      await page.goto(pathToFileURL(path.join(site, locale.code, "help.html")).href);
      const seen = await page.evaluate(() => {
        const main = document.querySelector("main")!;
        const afterTitle = main.querySelector("h1")?.nextElementSibling;
        const lines = [...main.querySelectorAll<HTMLElement>(".help-lines .helpline")];
        return {
          afterTitle: afterTitle?.className ?? "",
          danger: afterTitle?.querySelector("a")?.getAttribute("href") ?? "",
          paths: [...main.querySelectorAll<HTMLAnchorElement>(".help-paths a")].map((a) => a.getAttribute("href")),
          headings: [...main.querySelectorAll("h2")].map((h) => h.id),
          adultSteps: main.querySelectorAll("#adult ol li").length,
          guide: main.querySelector<HTMLAnchorElement>("#adult .help-guide a")?.href ?? "",
          lines: lines.map((li) => ({
            id: li.dataset.line ?? "",
            first: li.firstElementChild?.tagName ?? "",
            heading: li.querySelector("h3")?.textContent ?? "",
            last: li.lastElementChild?.className ?? "",
          })),
        };
      });
      const at = locale.code;
      const emergency = locale.lines.get(roles.get("emergency")?.[0] ?? "")?.contacts.find((c) => c.kind === "phone");
      if (emergency) {
        expect(seen.afterTitle, at).toBe("help-danger");
        expect(seen.danger, at).toBe(contactHref(emergency));
        expect(seen.danger, at).toMatch(/^tel:/);
      }
      expect(seen.paths, at).toEqual(["#me", "#adult"]);
      expect(seen.headings.slice(0, 3), at).toEqual(["me-title", "adult-title", "lines-title"]);
      expect(seen.adultSteps, at).toBe((locale.strings["help.adult.steps"] as string[]).length);
      // The adult guide on a disclosure, else the adults' page, else (a kit with neither) no link.
      const disclosure = locale.lessons.find((l) => l.meta.band === "adults" && l.id.endsWith("when-a-child-tells-you"));
      const adults = locale.lessons.some((l) => l.meta.band === "adults");
      const guide = disclosure ? `lessons/${disclosure.id}.html` : adults ? "bands/adults.html" : undefined;
      expect(seen.guide, at).toBe(guide ? pathToFileURL(path.join(site, locale.code, guide)).href : "");
      expect(seen.lines.length, at).toBeGreaterThan(0);
      for (const line of seen.lines) {
        // The name is the heading; what we know of the source comes last, small.
        expect(line.first, `${at} ${line.id}`).toBe("H3");
        expect(line.last, `${at} ${line.id}`).toBe("helpline-note");
        const first = roles.get("call-first")?.[0] === line.id;
        expect(line.heading.includes(t("help.line.first")), `${at} ${line.id}`).toBe(first);
        const paid = (roles.get("money-paid") ?? []).includes(line.id);
        expect(line.heading.includes(t("help.line.paid")), `${at} ${line.id}`).toBe(paid);
      }
      if (roles.get("call-first")?.length) expect(seen.lines.some((l) => l.heading.includes(t("help.line.first"))), at).toBe(true);
      await page.close();
    }
  });
});
