// The whole pipeline for real: the default kit is built into a temp folder
// with the real browser, and the PDFs are opened and read (#2).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { build } from "../scripts/pipeline/build.ts";
import { KitError } from "../scripts/core/problems.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { PAPERS } from "../scripts/core/schema.ts";
import { fixtureKit, PROJECT, pdfText, tempDir } from "./helpers.ts";
import { firstVariant, kitFacts, uiString, type LocaleFacts } from "./kit-facts.ts";

const run = promisify(execFile);

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await listFiles(dir)) out[file] = createHash("sha256").update(await readFile(path.join(dir, file))).digest("hex");
  return out;
}

describe("building the default kit", () => {
  // Built once for all test files by tests/global-setup.ts; what to expect
  // is read from the kit's own files, so any kit passes, not only this one.
  const out = inject("kitOut");
  const kit = kitFacts();
  const squash = (s: string) => s.replace(/\s/g, "");

  it("prints every lesson's first handout with its title, and a help line from region data in the footer", async () => {
    const contacts = await regionContacts();
    for (const locale of kit.locales) {
      for (const lesson of locale.lessons) {
        const name = `${locale.code}/${lesson.id}-${firstVariant(lesson)}-a4.pdf`;
        const { text, pages } = await pdfText(path.join(out, "pdf", name));
        expect(squash(text), name).toContain(squash(lesson.title));
        const footer = footerPattern(locale, kit.title, pages.length).exec(pages[0]!);
        expect(footer, `${name}: footer`).not.toBeNull();
        expect(contacts.some((c) => footer![1]!.includes(c)), `${name}: "${footer![1]}" names a contact from regions/`).toBe(true);
      }
    }
  });

  it("prints on each locale's crisis poster the numbers its help page says to call first", async () => {
    // The poster holds the main lines by need; the help page, which its QR
    // code opens, holds them all. What must be on both: "In danger now?"
    // and the line marked "Call this first".
    const dialled = (html: string) => [...html.matchAll(/href="tel:([^"]*)"/g)].map((m) => m[1]!.replace(/\D/g, ""));
    for (const locale of kit.locales) {
      const help = await readFile(path.join(out, "site", locale.code, "help.html"), "utf8");
      const danger = /<p class="help-danger">[\s\S]*?<\/p>/.exec(help)?.[0] ?? "";
      const first = /<li class="helpline helpline-first"[\s\S]*?<\/li>/.exec(help)?.[0] ?? "";
      const numbers = [...new Set([...dialled(danger), ...dialled(first)])];
      expect(numbers.length, `${locale.code}/help.html: an emergency number and a call-first line`).toBeGreaterThanOrEqual(2);
      const { text } = await pdfText(path.join(out, "pdf", locale.code, "get-help-now-card-a4.pdf"));
      // Numbers as printed lose their spaces and dashes; each must stand on its own, not inside a longer one.
      const printed = text.replace(/[\s-]/g, "");
      for (const number of numbers) expect(printed, `${locale.code} card: ${number}`).toMatch(new RegExp(`(^|\\D)${number}(\\D|$)`));
    }
  });

  it("writes a handout for every lesson of every locale, named <lesson-id>-<variant>-<paper>.pdf", async () => {
    const pdfs = await listFiles(path.join(out, "pdf"));
    for (const locale of kit.locales) {
      expect(locale.lessons.length, locale.code).toBeGreaterThan(0);
      for (const lesson of locale.lessons) {
        for (const paper of PAPERS) expect(pdfs).toContain(`${locale.code}/${lesson.id}-${firstVariant(lesson)}-${paper}.pdf`);
      }
      expect(pdfs).toContain(`${locale.code}/get-help-now-card-a4.pdf`);
    }
    expect(pdfs.length).toBe(inject("kitPdfs"));
  });

  it("gives every site page its locale's language and direction", async () => {
    const pages = (await listFiles(path.join(out, "site"))).filter((f) => f.endsWith(".html") && !f.includes("pagefind"));
    expect(pages).toContain("index.html");
    for (const locale of kit.locales) expect(pages).toContain(`${locale.code}/help.html`);
    for (const page of pages) {
      const html = await readFile(path.join(out, "site", page), "utf8");
      const code = page.replace(/^print\//, "").split("/")[0]!;
      const locale = kit.locales.find((l) => l.code === code) ?? kit.main;
      expect(html, page).toMatch(new RegExp(`<html lang="${locale.language}" dir="${locale.dir}"`));
    }
  });

  it("links each lesson page to its handouts", async () => {
    for (const locale of kit.locales) {
      const lesson = locale.lessons[0]!;
      const pdf = `${locale.code}/${lesson.id}-${firstVariant(lesson)}-a4.pdf`;
      const html = await readFile(path.join(out, "site", locale.code, "lessons", `${lesson.id}.html`), "utf8");
      expect(html).toContain(`href="../../pdf/${pdf}"`);
      expect(await listFiles(path.join(out, "site/pdf"))).toContain(pdf);
    }
  });
});

/** Every contact value of every region file, as printed (web addresses without their scheme): what a footer's help line may show. */
async function regionContacts(): Promise<string[]> {
  const values: string[] = [];
  for (const file of await readdir(path.join(PROJECT, "regions"))) {
    const text = await readFile(path.join(PROJECT, "regions", file), "utf8");
    for (const m of text.matchAll(/value: "?([^"}\n]+)"?/g)) values.push(m[1]!.trim().replace(/^https?:\/\//, "").replace(/\/$/, ""));
  }
  return values;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The locale's own footer wording (strings.json), with the help line captured, for page 1. */
function footerPattern(locale: LocaleFacts, title: string, pages: number): RegExp {
  const parts = uiString(locale, "pdf.footer").split(/(\{\w+\})/);
  const values: Record<string, string> = { "{title}": escape(title), "{line}": "(.+?)", "{page}": "1", "{pages}": String(pages) };
  return new RegExp(parts.map((part) => values[part] ?? escape(part)).join(""));
}

describe("a failed build", () => {
  it("leaves the last good output exactly as it was", async () => {
    const out = await tempDir();
    await build({ root: await fixtureKit(), outDir: out, reporter: silentReporter });
    const before = await snapshot(out);
    expect(Object.keys(before).some((f) => f.endsWith(".pdf"))).toBe(true);

    const error = await build({ root: await fixtureKit("unknown-band"), outDir: out, reporter: silentReporter }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(out)).filter((n) => n.startsWith(".staging"))).toEqual([]);
  });

  it("exits 1 from the command line with file, line and field, and no stack trace", async () => {
    const root = await fixtureKit("missing-field");
    const error = await run("node", [path.join(PROJECT, "bin/kit.js"), "build", "--root", root, "--out", await tempDir()]).catch((e: unknown) => e);
    const { code, stderr } = error as { code: number; stderr: string };
    expect(code).toBe(1);
    expect(stderr).toContain("lessons/en-XX/11-13-fixture-lesson.md:2: title: is missing");
    expect(stderr).toContain("lessons/en-XX/11-13-fixture-lesson.md:3: duration:");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
