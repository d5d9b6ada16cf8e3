// The handouts issue 12 adds, read from the real default kit's PDFs (built
// once by tests/global-setup.ts): letters to families, conversation cards,
// worksheets with room to write, and the booklet's contents by band.
// Expectations come from the kit's own files, so a kit with more locales
// or lessons still passes.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import { HANDOUTS, handoutStem } from "../scripts/core/handouts.ts";
import { KitError } from "../scripts/core/problems.ts";
import { BANDS, PAPERS, type Band } from "../scripts/core/schema.ts";
import { translator } from "../scripts/core/strings.ts";
import type { Kit } from "../scripts/pipeline/validate.ts";
import { fixtureKit, PROJECT, pdfText } from "./helpers.ts";

const out = inject("kitOut");
let kit: Kit;
beforeAll(async () => {
  kit = await loadValidKit(PROJECT);
});

const pdf = (locale: string, stem: string, paper: string) => path.join(out, "pdf", locale, `${stem}-${paper}.pdf`);
/** pdf.js joins lines with spaces and may split words at a wrap: compare text without its spacing. */
const squash = (text: string) => text.replace(/\s+/g, "");
const own = (locale: Kit["locales"][number]) => locale.lessons.filter((l) => !l.fallbackFrom);
const childLessons = (locale: Kit["locales"][number]) => locale.lessons.filter((l) => l.meta.band !== "adults");

describe("letters to families", () => {
  it("go out for every child lesson in every locale and paper, on one page, naming the lesson", async () => {
    let letters = 0;
    for (const locale of kit.locales) {
      const t = translator(locale.strings, locale.code);
      for (const lesson of childLessons(locale)) {
        for (const paper of PAPERS) {
          const file = pdf(locale.code, handoutStem("letter", lesson.id), paper);
          const { pages, text } = await pdfText(file);
          expect(pages.length, file).toBeLessThanOrEqual(HANDOUTS.letter.pageLimit);
          expect(squash(text), file).toContain(squash(t("letter.greeting")));
          expect(squash(text), file).toContain(squash(lesson.meta.title));
          expect(squash(text), file).toContain(squash(t("letter.note")));
          letters++;
        }
      }
    }
    expect(letters).toBeGreaterThan(0);
  });
});

describe("conversation cards", () => {
  it("hold every family starter of the band's lessons, one band a sheet", async () => {
    let sheets = 0;
    for (const locale of kit.locales) {
      for (const band of BANDS.filter((b) => HANDOUTS.cards.bands.includes(b as never))) {
        const starters = locale.lessons.filter((l) => l.meta.band === band).flatMap((l) => l.meta.family?.starters ?? []);
        if (!starters.length) continue;
        for (const paper of PAPERS) {
          const file = pdf(locale.code, handoutStem("cards", band), paper);
          const { text } = await pdfText(file);
          for (const starter of starters) expect(squash(text), `${file}: ${starter}`).toContain(squash(starter));
          sheets++;
        }
      }
    }
    expect(sheets).toBeGreaterThan(0);
  });
});

describe("worksheets", () => {
  it("print the answer space their lesson declares, no placeholders, and a name line only on a sheet handed in", async () => {
    for (const locale of kit.locales) {
      for (const lesson of own(locale).filter((l) => l.variants.includes("worksheet"))) {
        const worksheet = lesson.blocks.find((b) => b.name === "worksheet");
        for (const paper of PAPERS) {
          const stem = `${handoutStem("worksheet", lesson.id)}-${paper}`;
          const html = await readFile(path.join(out, "site", "print", locale.code, `${stem}.html`), "utf8");
          const { text } = await pdfText(pdf(locale.code, handoutStem("worksheet", lesson.id), paper));
          expect(text, stem).not.toMatch(/◦\s*(…|\.\.\.)/);
          expect(html, stem).not.toMatch(/<li>\s*(…|\.\.\.)\s*<\/li>/);
          expect(html, stem).not.toMatch(/\{(lines|box|draw|order)[^}]*\}/);
          const markers = (lesson.body.match(/\{(lines|box|draw|order)\b[^}]*\}/g) ?? []).length;
          const spaces = (html.match(/class="answer answer-|class="answer-order"/g) ?? []).length;
          expect(spaces, stem).toBe(markers);
          expect(html.includes('class="name-line"'), stem).toBe(worksheet?.args.includes("handin") ?? false);
        }
      }
    }
  });

  it("refuses an answer space outside the vocabulary, naming the file and line", async () => {
    const root = await fixtureKit();
    const file = path.join(root, "lessons/en-XX/11-13-fixture-lesson.md");
    const source = await readFile(file, "utf8");
    await writeFile(file, `${source}\n::: worksheet\n\n1. Write it down. {lines 3}\n2. Say why. {space 4}\n\n:::\n`);
    const line = source.split("\n").length + 4;
    const error = await loadValidKit(root).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    const problems = (error as KitError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "lessons/en-XX/11-13-fixture-lesson.md", line });
    expect(problems[0]!.message).toContain('unknown answer space "{space 4}", expected lines N, box, box N, draw, order N');
  });
});

describe("the booklet", () => {
  it("lists every section under its band's heading with the page it starts on, and ends with the crisis card", async () => {
    for (const locale of kit.locales) {
      const t = translator(locale.strings, locale.code);
      const bandOf = new Map<string, Band>(locale.lessons.map((l) => [l.meta.title, l.meta.band]));
      for (const paper of PAPERS) {
        const file = pdf(locale.code, "kit-booklet", paper);
        const { outline, contents } = await contentsOf(file);
        const sections = outline.slice(2);
        expect(sections.at(-1)?.title, file).toBe(t("help.title"));
        const headings = BANDS.filter((b) => locale.lessons.some((l) => l.meta.band === b)).map((b) => t(`band.${b}`));
        const at = (s: string) => squash(contents).indexOf(squash(s));
        // Headings in band order, each section after its own band's heading and before the next.
        const positions = [...headings, t("booklet.group.help")].map(at);
        expect(positions.every((p) => p >= 0), file).toBe(true);
        expect([...positions].sort((a, b) => a - b), file).toEqual(positions);
        const text = squash(contents);
        for (const item of sections) {
          // "Lesson: Kind" is listed as the kind under the lesson's title; other sections by their first part.
          const colon = item.title.lastIndexOf(":");
          const lesson = colon > 0 ? item.title.slice(0, colon) : undefined;
          const band = lesson ? bandOf.get(lesson) ?? BANDS.find((b) => item.title.endsWith(t(`band.${b}`))) : undefined;
          const group = band ? headings.indexOf(t(`band.${band}`)) : headings.length;
          const from = lesson && bandOf.has(lesson) ? text.indexOf(squash(lesson), positions[group]) : positions[group]!;
          const label = lesson && bandOf.has(lesson) ? item.title.slice(colon + 1) : (lesson ?? item.title);
          const line = text.indexOf(squash(`${label} ${item.page}`), from);
          expect(from, `${file}: ${item.title} under its band`).toBeGreaterThan(-1);
          expect(line, `${file}: ${item.title} on page ${item.page}`).toBeGreaterThan(from);
          expect(text[line + squash(`${label} ${item.page}`).length] ?? "", `${file}: ${item.title} page number ends`).not.toMatch(/\d/);
          if (group + 1 < positions.length) expect(line, `${file}: ${item.title} before the next band`).toBeLessThan(positions[group + 1]!);
        }
      }
    }
  });
});

/** The booklet's bookmarks with their pages, and the text of its contents pages (from page 2 to before the first section). */
async function contentsOf(file: string): Promise<{ outline: { title: string; page: number }[]; contents: string }> {
  const doc = await getDocument({ data: new Uint8Array(await readFile(file)), isEvalSupported: false }).promise;
  const pageOf = async (dest: unknown) => {
    const explicit = typeof dest === "string" ? await doc.getDestination(dest) : dest;
    return (await doc.getPageIndex((explicit as unknown[])[0] as never)) + 1;
  };
  const outline = [];
  for (const item of (await doc.getOutline()) ?? []) outline.push({ title: item.title, page: await pageOf(item.dest) });
  const texts: string[] = [];
  for (let n = 2; n < (outline[2]?.page ?? 3); n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    texts.push(content.items.map((item) => ("str" in item ? item.str : "")).join(" "));
  }
  await doc.destroy();
  return { outline, contents: texts.join(" ") };
}
