// Localized kits (#6): a new locale from the command line, fallbacks with a
// notice, out-of-date tracking, per-locale bundles, and fonts for every script.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { unzipSync } from "fflate";
import { PDFDict, PDFDocument, PDFName } from "pdf-lib";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../scripts/system/browser.ts";
import { build, loadValidKit } from "../scripts/pipeline/build.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { kitStatus, strictProblems } from "../scripts/cli/status.ts";
import { fixtureKit, PROJECT, pdfText, tempDir } from "./helpers.ts";
import { firstVariant, kitFacts, uiString } from "./kit-facts.ts";

const run = promisify(execFile);
const kit_ = (args: string[]) => run("node", [path.join(PROJECT, "bin/kit.js"), ...args]);

/** A copy of the project's kit content, to change without touching the real one. */
async function copyOfKit(): Promise<string> {
  const root = await tempDir("talk-early-kit-copy-");
  for (const part of ["kit.config.yaml", "lessons", "regions"]) await cp(path.join(PROJECT, part), path.join(root, part), { recursive: true });
  return root;
}

describe("a kit for another country, from the command line", () => {
  const kit = kitFacts();
  // A locale and a region the kit does not have yet, whatever it holds.
  const regions = readdirSync(path.join(PROJECT, "regions"));
  const code = ["fr-FR", "de-DE", "pt-BR", "it-IT", "nl-NL"].find((c) => !kit.locales.some((l) => l.code === c) && !regions.includes(`${c.slice(3)}.yaml`))!;
  const region = code.slice(3);
  const from = kit.main;
  let root: string;
  beforeAll(async () => {
    root = await copyOfKit();
    await kit_(["new-locale", code, "--from", from.code, "--region", region, "--root", root]);
  });

  it("scaffolds lessons marked untranslated with their source hash, strings, and an empty region", async () => {
    for (const lesson of from.own) {
      const text = await readFile(path.join(root, "lessons", code, `${lesson.id}.md`), "utf8");
      expect(text, lesson.id).toMatch(new RegExp(`translation:\\n {2}source: ${from.code}\\n {2}sourceHash: "?[0-9a-f]{12}"?\\n {2}status: untranslated\\n---`));
    }
    const strings = await readFile(path.join(root, "lessons", code, "strings.json"), "utf8");
    expect(strings).toBe(await readFile(path.join(PROJECT, "lessons", from.code, "strings.json"), "utf8"));
    const file = await readFile(path.join(root, "regions", `${region}.yaml`), "utf8");
    expect(file).toContain("Every slot below is EMPTY");
    expect(file).toMatch(/id: [\w-]+\n\s+name: ['"]TO FILL/);
    expect(file).toMatch(/contacts: \[\]\n/);
    expect(file).not.toMatch(/\d{3}[- ]?\d{3,}/);
  });

  it("reports the state of every locale, and --strict fails until the work is done", async () => {
    const statuses = kitStatus(await loadValidKit(root));
    const mine = statuses.find((s) => s.code === code)!;
    const n = from.own.length;
    expect(mine.counts.untranslated).toBe(n);
    expect(mine.lines.filter((l) => l.contacts === 0).length).toBeGreaterThan(0);
    expect(strictProblems(statuses).some((p) => p.file === `lessons/${code}/${from.own[0]!.id}.md`)).toBe(true);
    const { stdout } = await kit_(["status", "--root", root]);
    expect(stdout).toContain(`| ${code} | ${from.code} | ${n} | 0 | 0 | 0 | ${n} | 0 | 0 |`);
    const strict = await kit_(["check", "--strict", "--root", root]).catch((e: { code: number; stderr: string }) => e);
    expect((strict as { code: number }).code).toBe(1);
    expect((strict as { stderr: string }).stderr).toMatch(new RegExp(`regions/${region}\\.yaml: [\\w-]+: help line has no contact yet \\[strict\\]`));
  });

  it("builds just that locale, showing empty help-line slots as gaps", async () => {
    const out = await tempDir();
    await kit_(["build", "--locale", code, "--root", root, "--out", out]);
    const gap = uiString(from, "helpline.unfilled");
    const page = await readFile(path.join(out, "site", code, "help.html"), "utf8");
    expect(page).toContain(gap);
    const { text } = await pdfText(path.join(out, "pdf", code, "get-help-now-card-a4.pdf"));
    expect(text.replace(/\s/g, "")).toContain(gap.replace(/\s/g, "").replace(/\.$/, ""));
    await expect(readFile(path.join(out, "site", from.code, "index.html"))).rejects.toThrow();
  });
});

describe("translation state on the page and in the PDF", () => {
  // On the fixture kit, with a second lesson and a translation scaffolded
  // by the command a kit builder uses; the translation's own strings are
  // marked, so that the page is seen to use them and not its source's.
  const MARKED = { "translation.missing": "XS missing, shown in {language}.", "translation.outdated": "XS outdated.", "translation.draft": "XS draft." };

  it("falls back to the source lesson with a notice when a translation is missing, and flags one out of date", async () => {
    const root = await fixtureKit();
    const lesson = (code: string, id: string) => path.join(root, "lessons", code, `${id}.md`);
    const base = await readFile(lesson("en-XX", "11-13-fixture-lesson"), "utf8");
    await writeFile(lesson("en-XX", "11-13-second-lesson"), base.replace("title: Fixture lesson", "title: Second lesson").replace("order: 1", "order: 2"));
    await kit_(["new-locale", "xs-XX", "--from", "en-XX", "--region", "XX", "--root", root]);
    const strings = path.join(root, "lessons/xs-XX/strings.json");
    await writeFile(strings, JSON.stringify({ ...JSON.parse(await readFile(strings, "utf8")), ...MARKED }, null, 2));
    const second = lesson("xs-XX", "11-13-second-lesson");
    await writeFile(second, (await readFile(second, "utf8")).replace("status: untranslated", "status: draft"));

    await rm(lesson("xs-XX", "11-13-fixture-lesson"));
    await writeFile(lesson("en-XX", "11-13-second-lesson"), `${await readFile(lesson("en-XX", "11-13-second-lesson"), "utf8")}\nA new closing line.\n`);
    const out = await tempDir();
    await build({ root, outDir: out, reporter: silentReporter });

    const missing = await readFile(path.join(out, "site/xs-XX/lessons/11-13-fixture-lesson.html"), "utf8");
    expect(missing).toContain("XS missing, shown in English (Testland).");
    expect(missing).toMatch(/<div class="lesson-full" lang="en">/);
    const { text } = await pdfText(path.join(out, "pdf/xs-XX/11-13-fixture-lesson-plan-a4.pdf"));
    expect(text).toContain("XS missing, shown in English (Testland).");

    const outdated = await readFile(path.join(out, "site/xs-XX/lessons/11-13-second-lesson.html"), "utf8");
    expect(outdated).toContain("XS outdated.");
    expect(outdated).toContain("XS draft.");

    const status = kitStatus(await loadValidKit(root)).find((s) => s.code === "xs-XX")!;
    expect(status.missing).toEqual(["11-13-fixture-lesson"]);
    expect(status.outdated).toEqual(["11-13-second-lesson"]);
  });
});

describe("per-locale bundles", () => {
  const kit = kitFacts();
  it("hold that locale's site, its PDFs and the shared assets, and open on its home page", async () => {
    const out = inject("kitOut");
    for (const locale of kit.locales) {
      const files = unzipSync(new Uint8Array(await readFile(path.join(out, "kits", `${locale.code}.zip`))));
      const names = Object.keys(files);
      const lesson = locale.lessons[0]!;
      expect(names).toContain("index.html");
      expect(names).toContain(`${locale.code}/lessons/${lesson.id}.html`);
      expect(names).toContain(`pdf/${locale.code}/${lesson.id}-${firstVariant(lesson)}-a4.pdf`);
      expect(names).toContain("assets/site.css");
      for (const other of kit.locales.filter((l) => l.code !== locale.code)) {
        expect(names.some((n) => n.startsWith(`${other.code}/`) || n.startsWith(`pdf/${other.code}/`)), `${locale.code}.zip holds ${other.code}`).toBe(false);
      }
      expect(new TextDecoder().decode(files["index.html"])).toContain(`url=${locale.code}/index.html`);
    }
  });
});

describe("every script prints", () => {
  it("renders Latin, Chinese and Tamil with the bundled fonts, with no glyph missing", async () => {
    const site = path.join(inject("kitOut"), "site");
    const samples = { latin: "Beritahu orang dewasa yang kamu percayai.", chinese: "告诉你信任的大人。", tamil: "நீங்கள் நம்பும் பெரியவரிடம் சொல்லுங்கள்." };
    const html = `<!doctype html><html lang="zh"><head><meta charset="utf-8"><link rel="stylesheet" href="assets/print.css"><link rel="stylesheet" href="assets/paper-a4.css"></head>
      <body>${Object.entries(samples).map(([k, v]) => `<p class="${k}">${v}</p>`).join("")}</body></html>`;
    const file = path.join(site, "script-sample.html");
    await writeFile(file, html);
    const running = await launchBrowser();
    try {
      const page = await running.browser.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const pdf = await page.pdf({ preferCSSPageSize: true, tagged: true });
      const out = path.join(await tempDir(), "sample.pdf");
      await writeFile(out, pdf);
      const { text } = await pdfText(out);
      const flat = text.replace(/\s/g, "");
      const squash = (s: string) => s.replace(/\s/g, "");
      expect(flat).toContain(squash(samples.latin));
      expect(flat).toContain(squash(samples.chinese));
      // Tamil vowel signs come out of a PDF in visual order: compare the characters, not their order.
      const sorted = (s: string) => [...s.normalize("NFD")].sort().join("");
      expect(sorted(flat.slice(flat.indexOf(squash(samples.chinese)) + squash(samples.chinese).length))).toBe(sorted(squash(samples.tamil)));
      const doc = await PDFDocument.load(pdf);
      const fonts: string[] = [];
      for (const [, object] of doc.context.enumerateIndirectObjects()) {
        if (object instanceof PDFDict && object.get(PDFName.of("Type")) === PDFName.of("FontDescriptor")) fonts.push(String(object.get(PDFName.of("FontName"))));
      }
      // Only bundled Noto fonts: a system fallback would mean a glyph was missing from them.
      const names = [...new Set(fonts.map((f) => f.replace(/^\/[A-Z]{6}\+/, "")))];
      for (const name of names) expect(name).toMatch(/^NotoSans(SC\w*|Tamil)?-/);
      expect(names.some((n) => n.startsWith("NotoSansSC"))).toBe(true);
      expect(names).toContain("NotoSansTamil-Regular");
    } finally {
      await running.close();
      await rm(file);
    }
  });
});
