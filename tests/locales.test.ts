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
import { parse } from "yaml";
import { PROJECT, pdfText, tempDir } from "./helpers.ts";
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
      expect(text, lesson.id).toMatch(new RegExp(`translation:\\n {2}source: ${from.code}\\n {2}sourceHash: [0-9a-f]{12}\\n {2}status: untranslated\\n---`));
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
  const kit = kitFacts();
  // A translation into another language than its source's, so that the
  // stand-in's language can be seen; the shipped kit has one.
  const translated = kit.locales.find((l) => l.source && kit.locales.some((s) => s.code === l.source && s.language !== l.language));

  it.skipIf(!translated)("falls back to the source lesson with a notice when a translation is missing, and flags one out of date", async () => {
    const locale = translated!;
    const source = kit.locale(locale.source!);
    const shared = locale.own.filter((l) => source.own.some((s) => s.id === l.id));
    expect(shared.length, `${locale.code} translates at least two lessons of ${source.code}`).toBeGreaterThanOrEqual(2);
    const [gone, edited] = [shared[0]!, shared[1]!];
    const root = await copyOfKit();
    const before = kitStatus(await loadValidKit(root)).find((s) => s.code === locale.code)!;
    await rm(path.join(root, "lessons", locale.code, `${gone.id}.md`));
    const sourceFile = path.join(root, "lessons", source.code, `${edited.id}.md`);
    await writeFile(sourceFile, `${await readFile(sourceFile, "utf8")}\nA new closing line.\n`);
    const out = await tempDir();
    await build({ root, outDir: out, locales: [source.code, locale.code], reporter: silentReporter });

    const sourceName = (parse(await readFile(path.join(root, "lessons", source.code, "locale.yaml"), "utf8")) as { name: string }).name;
    const notice = uiString(locale, "translation.missing", { language: sourceName });
    const missing = await readFile(path.join(out, "site", locale.code, "lessons", `${gone.id}.html`), "utf8");
    expect(missing).toContain(notice);
    expect(missing).toMatch(new RegExp(`<div class="lesson-full" lang="${source.language}">`));
    const { text } = await pdfText(path.join(out, "pdf", locale.code, `${gone.id}-${firstVariant(gone)}-a4.pdf`));
    expect(text.replace(/\s/g, "")).toContain(notice.split(",")[0]!.replace(/\s/g, ""));

    const outdated = await readFile(path.join(out, "site", locale.code, "lessons", `${edited.id}.html`), "utf8");
    expect(outdated).toContain(uiString(locale, "translation.outdated"));

    const status = kitStatus(await loadValidKit(root)).find((s) => s.code === locale.code)!;
    expect([...status.missing].sort()).toEqual([...before.missing, gone.id].sort());
    expect(status.outdated).toContain(edited.id);
    expect(status.outdated.filter((id) => id !== edited.id && !before.outdated.includes(id))).toEqual([]);
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
