// Every printed handout of the real default kit, measured (issue 12): page
// limits, text inside the content box, no page ending on a heading or a
// label, no half-empty page inside a plan, guide or family sheet, and
// readable type. The handouts are found from the built files and the
// handout registry, so a kit with other locales or lessons is measured the
// same way.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { contactText } from "../scripts/core/contacts.ts";
import { HANDOUTS, handoutStem, LOCALE_VARIANTS, type Variant } from "../scripts/core/handouts.ts";
import { PAPERS } from "../scripts/core/schema.ts";
import { loadKit } from "../scripts/pipeline/load.ts";
import { validate } from "../scripts/pipeline/validate.ts";
import { builtHandouts, measureKit, type Handout, type Misfit, type MisfitKind } from "./fit.ts";
import { PROJECT, pdfText } from "./helpers.ts";

const out = inject("kitOut");

describe("every handout of the default kit fits its paper", () => {
  let handouts: Handout[] = [];
  let found: Misfit[] = [];
  const of = (kind: MisfitKind) => found.filter((m) => m.kind === kind).map((m) => `${m.file} ${m.problem}`);

  beforeAll(async () => {
    ({ handouts, misfits: found } = await measureKit(out));
  });

  it("finds every handout kind of the registry in every locale and paper", () => {
    const locales = new Set(handouts.map((h) => h.locale));
    expect(locales.size).toBeGreaterThan(0);
    for (const locale of locales) {
      for (const paper of PAPERS) {
        const kinds = new Set(handouts.filter((h) => h.locale === locale && h.paper === paper).map((h) => h.variant));
        for (const variant of Object.keys(HANDOUTS)) expect(kinds, `${locale} ${paper}`).toContain(variant);
      }
    }
  });

  it("keeps every handout within its page limit (crisis card one page, family sheet two)", () => {
    expect(of("limit")).toEqual([]);
  });

  it("prints no text outside the page's content box", () => {
    expect(of("outside")).toEqual([]);
  });

  it("ends no page but the last on a heading, a block label or a line ending in a colon", () => {
    expect(of("stranded")).toEqual([]);
  });

  it("leaves no page of a plan, guide or family sheet, before its last, more than half empty", () => {
    expect(of("empty")).toEqual([]);
  });

  it("sets body text at 10.5 pt or more and no text below 9 pt", () => {
    expect(of("small")).toEqual([]);
  });
});

describe("the crisis cards and family sheets of the default kit", () => {
  const strings = async (locale: string) => JSON.parse(await readFile(path.join(PROJECT, "lessons", locale, "strings.json"), "utf8")) as Record<string, string | string[]>;

  it("groups the poster's lines by what you need, and folds the wallet card with its lines inside", async () => {
    const kit = validate(await loadKit(PROJECT, [])).kit!;
    const locales = new Set((await builtHandouts(out)).map((h) => h.locale));
    for (const locale of kit.locales.filter((l) => locales.has(l.code))) {
      const s = await strings(locale.code);
      const pdf = (variant: Variant, paper: string) => path.join(out, "pdf", locale.code, `${handoutStem(variant)}-${paper}.pdf`);
      const poster = (await pdfText(pdf("card", locale.region.meta.paper))).text;
      const headings = ["danger", "talk", "report", "take-down"].map((g) => s[`card.group.${g}`] as string);
      // In this order, each after the last (a heading's words may also be in the four steps above them).
      let from = 0;
      for (const heading of headings) {
        from = poster.indexOf(heading, from);
        expect(from, `${locale.code} poster: "${heading}"`).toBeGreaterThanOrEqual(0);
      }

      for (const paper of PAPERS) {
        const { pages, text } = await pdfText(pdf("wallet", paper));
        expect(pages, `${locale.code} wallet ${paper}`).toHaveLength(1);
        expect(text).toContain(s["wallet.outside"] as string);
        expect(text).toContain(kit.config.title);
        // A child may carry it where others see it.
        expect(text.toLowerCase()).not.toMatch(/sextortion|peras ugut/);
        for (const role of ["call-first", "emergency"] as const) {
          const line = locale.lines.get(locale.region.roles.get(role)![0]!)!;
          expect(text, `${locale.code} wallet ${role}`).toContain(contactText(line.contacts[0]));
        }
      }
    }
  });

  it("links every locale handout from the help page", async () => {
    for (const locale of new Set((await builtHandouts(out)).map((h) => h.locale))) {
      const html = await readFile(path.join(out, "site", locale, "help.html"), "utf8");
      for (const variant of LOCALE_VARIANTS) for (const paper of PAPERS) expect(html).toContain(`${handoutStem(variant)}-${paper}.pdf`);
    }
  });

  it("addresses the family sheet to the parent or carer, with what to do if their child tells them", async () => {
    const sheets = (await builtHandouts(out)).filter((h) => h.variant === "family");
    expect(sheets.length).toBeGreaterThan(0);
    for (const sheet of sheets) {
      const s = await strings(sheet.locale);
      const { text } = await pdfText(sheet.file);
      for (const key of ["family.to", "family.learned", "family.tells", "family.starters", "help.trusted"]) expect(text, `${sheet.file} ${key}`).toContain(s[key] as string);
      expect(text).toContain((s["family.tells.steps"] as string[])[0]!.split(" ").slice(0, 3).join(" "));
    }
  });
});
