// Localized kits (#6): a new locale from the command line, fallbacks with a
// notice, out-of-date tracking, per-locale bundles, and fonts for every script.
import { execFile } from "node:child_process";
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
import { PROJECT, pdfText, tempDir } from "./helpers.ts";

const run = promisify(execFile);
const kit = (args: string[]) => run("node", [path.join(PROJECT, "bin/kit.js"), ...args]);

/** A copy of the project's kit content, to change without touching the real one. */
async function copyOfKit(): Promise<string> {
  const root = await tempDir("talk-early-kit-copy-");
  for (const part of ["kit.config.yaml", "lessons", "regions"]) await cp(path.join(PROJECT, part), path.join(root, part), { recursive: true });
  return root;
}

describe("a kit for another country, from the command line", () => {
  let root: string;
  beforeAll(async () => {
    root = await copyOfKit();
    await kit(["new-locale", "fr-FR", "--from", "en-MY", "--region", "FR", "--root", root]);
  });

  it("scaffolds lessons marked untranslated with their source hash, strings, and an empty region", async () => {
    const lesson = await readFile(path.join(root, "lessons/fr-FR/11-13-someone-threatens-you.md"), "utf8");
    expect(lesson).toMatch(/translation:\n {2}source: en-MY\n {2}sourceHash: "?[0-9a-f]{12}"?\n {2}status: untranslated\n---/);
    const region = await readFile(path.join(root, "regions/FR.yaml"), "utf8");
    expect(region).toContain("Every slot below is EMPTY");
    expect(region).toMatch(/id: cyber999\n\s+name: ['"]TO FILL/);
    expect(region).toMatch(/contacts: \[\]\n/);
    expect(region).not.toMatch(/\d{3}[- ]?\d{3,}/);
  });

  it("reports the state of every locale, and --strict fails until the work is done", async () => {
    const statuses = kitStatus(await loadValidKit(root));
    const fr = statuses.find((s) => s.code === "fr-FR")!;
    expect(fr.counts.untranslated).toBe(12);
    expect(fr.lines.filter((l) => l.contacts === 0).length).toBeGreaterThan(5);
    expect(strictProblems(statuses).some((p) => p.file === "lessons/fr-FR/8-10-online-friends.md")).toBe(true);
    const { stdout } = await kit(["status", "--root", root]);
    expect(stdout).toMatch(/\| fr-FR \| en-MY \| 12 \| 0 \| 0 \| 0 \| 12 \| 0 \| 0 \|/);
    const strict = await kit(["check", "--strict", "--root", root]).catch((e: { code: number; stderr: string }) => e);
    expect((strict as { code: number }).code).toBe(1);
    expect((strict as { stderr: string }).stderr).toContain("regions/FR.yaml: cyber999: help line has no contact yet [strict]");
  });

  it("builds just that locale, showing empty help-line slots as gaps", async () => {
    const out = await tempDir();
    await kit(["build", "--locale", "fr-FR", "--root", root, "--out", out]);
    const page = await readFile(path.join(out, "site/fr-FR/help.html"), "utf8");
    expect(page).toContain("Contact details not filled in yet for this region.");
    const { text } = await pdfText(path.join(out, "pdf/fr-FR/get-help-now-card-a4.pdf"));
    expect(text).toContain("Contact details not filled in yet");
    await expect(readFile(path.join(out, "site/en-MY/index.html"))).rejects.toThrow();
  });
});

describe("translation state on the page and in the PDF", () => {
  it("falls back to the source lesson with a notice when a translation is missing, and flags one out of date", async () => {
    const root = await copyOfKit();
    await rm(path.join(root, "lessons/ms-MY/8-10-online-friends.md"));
    const source = path.join(root, "lessons/en-MY/11-13-helping-a-friend.md");
    await writeFile(source, `${await readFile(source, "utf8")}\nA new closing line.\n`);
    const out = await tempDir();
    await build({ root, outDir: out, locales: ["en-MY", "ms-MY"], reporter: silentReporter });

    const missing = await readFile(path.join(out, "site/ms-MY/lessons/8-10-online-friends.html"), "utf8");
    expect(missing).toContain("Pelajaran ini belum diterjemahkan, jadi ia dipaparkan dalam English (Malaysia).");
    expect(missing).toMatch(/<div class="lesson-full" lang="en">/);
    const { text } = await pdfText(path.join(out, "pdf/ms-MY/8-10-online-friends-plan-a4.pdf"));
    expect(text).toContain("Pelajaran ini belum diterjemahkan");

    const outdated = await readFile(path.join(out, "site/ms-MY/lessons/11-13-helping-a-friend.html"), "utf8");
    expect(outdated).toContain("Pelajaran asal telah berubah sejak terjemahan ini dibuat.");
    expect(outdated).toContain("Terjemahan ini belum disemak oleh penutur yang fasih.");

    const status = kitStatus(await loadValidKit(root)).find((s) => s.code === "ms-MY")!;
    expect(status.missing).toEqual(["8-10-online-friends"]);
    expect(status.outdated).toEqual(["11-13-helping-a-friend"]);
  });
});

describe("per-locale bundles", () => {
  it("hold that locale's site, its PDFs and the shared assets, and open on its home page", async () => {
    const out = inject("kitOut");
    const files = unzipSync(new Uint8Array(await readFile(path.join(out, "kits/ms-MY.zip"))));
    const names = Object.keys(files);
    expect(names).toContain("index.html");
    expect(names).toContain("ms-MY/lessons/11-13-someone-threatens-you.html");
    expect(names).toContain("pdf/ms-MY/11-13-someone-threatens-you-plan-a4.pdf");
    expect(names).toContain("assets/site.css");
    expect(names.some((n) => n.startsWith("en-MY/") || n.startsWith("pdf/en-MY/"))).toBe(false);
    expect(new TextDecoder().decode(files["index.html"])).toContain('url=ms-MY/index.html');
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
