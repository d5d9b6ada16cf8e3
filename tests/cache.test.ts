// The PDF cache (#10, item 5): a PDF is printed again exactly when
// something it is made from changed, and only then. Real builds of the
// fixture kit and a real browser; what changes is one input at a time.
import { cp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, type BuildResult } from "../scripts/pipeline/build.ts";
import type { PdfJob } from "../scripts/pipeline/model.ts";
import { printingInputs } from "../scripts/pipeline/pdf-cache.ts";
import { renderPdfs, type PdfOptions, type PdfResult } from "../scripts/pipeline/render-pdf.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { launchBrowser, type RunningBrowser } from "../scripts/system/browser.ts";
import { PrintError } from "../scripts/core/problems.ts";
import { fixtureKit, pdfText, tempDir } from "./helpers.ts";

// One handout per booklet part, so that booklets are joined from parts.
const options = { reporter: silentReporter, bookletPartSections: 1 };
const savedEpoch = process.env.SOURCE_DATE_EPOCH;
let root: string;
let out: string;
let first: BuildResult;
let running: RunningBrowser;

beforeAll(async () => {
  process.env.SOURCE_DATE_EPOCH = "1764201600";
  root = await fixtureKit();
  out = await tempDir();
  first = await build({ ...options, root, outDir: out });
  running = await launchBrowser();
});
afterAll(async () => {
  await running?.close();
  if (savedEpoch === undefined) delete process.env.SOURCE_DATE_EPOCH;
  else process.env.SOURCE_DATE_EPOCH = savedEpoch;
});

const isA4 = (job: PdfJob) => job.paper === "a4";
/** Booklet parts the fixture prints per paper: the first (cover, contents, first handout) and one per further handout. */
const partsPerBooklet = () => first.model.pdfs.find((j) => j.booklet)!.booklet!.parts.length;

describe("a build of the fixture kit", () => {
  it("prints nothing when nothing changed", async () => {
    expect(first.printed).toBe(first.pdfs);
    const noop = await build({ ...options, root, outDir: out });
    expect([noop.printed, noop.cached, noop.parts]).toEqual([0, first.pdfs, 0]);
  });

  it("reprints only the edited lesson's handouts and the booklet part holding them", async () => {
    const lesson = path.join(root, "lessons/en-XX/11-13-fixture-lesson.md");
    const text = await readFile(lesson, "utf8");
    await writeFile(lesson, text.replace("Stay calm.", "Stay calm and listen."));
    try {
      const edited = await build({ ...options, root, outDir: out });
      // The disclosure block is in the plan only: plan and booklet in both
      // papers, and of each booklet only the part that holds the plan.
      expect([edited.printed, edited.parts]).toEqual([4, 2]);
      const { text: plan } = await pdfText(path.join(out, "pdf/en-XX/11-13-fixture-lesson-plan-a4.pdf"));
      expect(plan).toContain("Stay calm and listen.");
    } finally {
      await writeFile(lesson, text);
    }
    // The edited build pruned the old entries: putting the text back prints the same four again.
    const back = await build({ ...options, root, outDir: out });
    expect([back.printed, back.parts]).toEqual([4, 2]);
  });

  it("reprints every PDF when the config's author changes, then nothing", async () => {
    const config = path.join(root, "kit.config.yaml");
    const text = await readFile(config, "utf8");
    await writeFile(config, text.replace(/^author: .*$/m, "author: Another author"));
    try {
      const changed = await build({ ...options, root, outDir: out });
      expect([changed.printed, changed.parts]).toEqual([first.pdfs, 2 * partsPerBooklet()]);
      const doc = await PDFDocument.load(await readFile(path.join(out, "pdf/en-XX/kit-booklet-a4.pdf")), { updateMetadata: false });
      expect(doc.getAuthor()).toBe("Another author");
      expect((await build({ ...options, root, outDir: out })).printed).toBe(0);
    } finally {
      await writeFile(config, text);
    }
  });
});

describe("a one-lesson edit in a kit of two lessons", () => {
  // #12 "Speed": an edit reprints that lesson's handouts, its band's
  // conversation cards when the edit reaches them, and the booklets that
  // hold them; never the other lesson's handouts. A second lesson in the
  // same band, copied from the base one, makes "the other" exist.
  let kit: string;
  let kitOut: string;
  let cold: BuildResult;
  const EDITED = "11-13-fixture-lesson";
  const OTHER = "11-13-second-lesson";
  const edit = async (find: string, replace: string): Promise<Set<string>> => {
    const file = path.join(kit, `lessons/en-XX/${EDITED}.md`);
    const text = await readFile(file, "utf8");
    expect(text).toContain(find);
    await writeFile(file, text.replace(find, replace));
    const result = await build({ root: kit, outDir: kitOut, reporter: silentReporter });
    expect(result.reprinted).toHaveLength(result.printed);
    return new Set(result.reprinted.map((pdf) => path.basename(pdf)));
  };
  const papers = (stem: string) => ["a4", "letter"].map((paper) => `${stem}-${paper}.pdf`);

  beforeAll(async () => {
    kit = await fixtureKit();
    kitOut = await tempDir();
    const base = await readFile(path.join(kit, `lessons/en-XX/${EDITED}.md`), "utf8");
    const second = base.replace("title: Fixture lesson", "title: Second fixture lesson").replace("\norder: 1\n", "\norder: 2\n");
    await writeFile(path.join(kit, `lessons/en-XX/${OTHER}.md`), second);
    cold = await build({ root: kit, outDir: kitOut, reporter: silentReporter });
    expect(cold.model.pdfs.some((j) => j.pdf.includes(OTHER))).toBe(true);
  });

  it("reprints the lesson's plan and the booklets for a sentence in the plan only", async () => {
    expect(await edit("Stay calm.", "Stay calm and listen.")).toEqual(new Set([...papers(`${EDITED}-plan`), ...papers("kit-booklet")]));
  });

  it("reprints the lesson's family handouts, the band's cards and the booklets for a conversation starter", async () => {
    const printed = await edit("- Who would you tell?", "- Who would you tell first?");
    for (const name of [...papers(`${EDITED}-family`), ...papers("11-13-conversation-cards"), ...papers("kit-booklet")]) expect(printed, name).toContain(name);
    const stray = [...printed].filter((name) => !name.startsWith(`${EDITED}-`) && !name.startsWith("11-13-conversation-cards-") && !name.startsWith("kit-booklet-"));
    expect(stray).toEqual([]);
  });
});

describe("the PDF stage on a built site", () => {
  // renderPdfs on a copy of the built site, with the browser id and the
  // print code's fingerprint given, so each can be changed on its own.
  let site: string;
  let cacheDir: string;
  const base = { browserId: "browser-1", printCode: "code-1" };
  const render = async (change: Partial<PdfOptions> = {}, jobs = first.model.pdfs): Promise<PdfResult> => {
    const outDir = await tempDir();
    return renderPdfs(jobs, {
      browser: async () => running.browser,
      ...base,
      cacheDir,
      siteDir: site,
      outDir,
      meta: { author: "A", subject: "S", date: new Date(0) },
      ...change,
    });
  };
  /** Changes a file of the site for one run, then puts it back. */
  const withFile = async (file: string, content: (old: Buffer) => Buffer | string, task: () => Promise<void>) => {
    const target = path.join(site, file);
    const old = await readFile(target);
    await writeFile(target, content(old));
    try {
      await task();
    } finally {
      await writeFile(target, old);
    }
  };
  const all = () => first.model.pdfs.length;
  const a4 = () => first.model.pdfs.filter(isA4).length;

  beforeAll(async () => {
    site = await tempDir();
    cacheDir = await tempDir();
    await cp(path.join(out, "site"), site, { recursive: true });
    const cold = await render();
    expect(cold.printed).toBe(all());
  });

  it("prints nothing again with the same inputs", async () => {
    expect(await counts(render())).toEqual({ printed: 0, cached: all(), parts: 0 });
  });

  it("reprints every PDF for another browser build, and none when it is back", async () => {
    expect(await counts(render({ browserId: "browser-2" }))).toEqual({ printed: all(), cached: 0, parts: 2 * partsPerBooklet() });
    expect((await render()).printed).toBe(0);
  });

  it("reprints every PDF for other printing code, and none when it is back", async () => {
    expect(await counts(render({ printCode: "code-2" }))).toEqual({ printed: all(), cached: 0, parts: 2 * partsPerBooklet() });
    expect((await render()).printed).toBe(0);
  });

  it("reprints the A4 PDFs only when the A4 stylesheet changes", async () => {
    await withFile("assets/paper-a4.css", (old) => `${old.toString()}\n/* changed */\n`, async () => {
      expect(await counts(render())).toEqual({ printed: a4(), cached: all() - a4(), parts: partsPerBooklet() });
    });
    expect((await render()).printed).toBe(0);
  });

  it("reprints every PDF when the print stylesheet changes", async () => {
    await withFile("assets/print.css", (old) => `${old.toString()}\n/* changed */\n`, async () => {
      expect((await render()).printed).toBe(all());
    });
  });

  it("reprints every PDF when a font changes", async () => {
    const bold = await readFile(path.join(site, "assets/fonts/noto-sans-latin-700-normal.woff2"));
    await withFile("assets/fonts/noto-sans-latin-400-normal.woff2", () => bold, async () => {
      expect((await render()).printed).toBe(all());
    });
  });

  it("prints nothing when only the website's own stylesheet changes", async () => {
    await withFile("assets/site.css", (old) => `${old.toString()}\n/* changed */\n`, async () => {
      expect((await render()).printed).toBe(0);
    });
  });

  it("copies a cached PDF when it cannot be hard-linked, instead of printing it again", async () => {
    // /dev/shm is another file system than the temporary folder here, so
    // every link fails with EXDEV.
    const shmCache = mkdtempSync("/dev/shm/talk-early-cache-");
    const outDir = await tempDir();
    expect((await stat(shmCache)).dev).not.toBe((await stat(outDir)).dev);
    await render({ cacheDir: shmCache });
    const again = await renderPdfs(first.model.pdfs, { browser: async () => running.browser, ...base, cacheDir: shmCache, siteDir: site, outDir, meta: { author: "A", subject: "S", date: new Date(0) } });
    try {
      expect([again.printed, again.cached]).toEqual([0, all()]);
      for (const job of first.model.pdfs) expect((await pdfText(path.join(outDir, job.pdf))).pages.length, job.pdf).toBeGreaterThan(0);
    } finally {
      await rm(shmCache, { recursive: true, force: true }); // /dev/shm is memory
    }
  });

  it("fails with a PrintError, never a guessed page number, when a booklet's handout has no page count", async () => {
    const booklet = first.model.pdfs.find((j) => j.booklet && isA4(j))!;
    const printing = render({}, [booklet]);
    await expect(printing).rejects.toBeInstanceOf(PrintError);
    await expect(printing).rejects.toMatchObject({ failures: [{ file: booklet.pdf, message: expect.stringMatching(/no page count for .*-a4\.pdf/) }] });
  });

  it("refuses to cache a page that loads a file its key does not cover", async () => {
    // Loaded by script, so no static reading of the page can see it.
    const html = "print/en-XX/sneaky.html";
    await writeFile(path.join(site, html), `<!doctype html><html lang="en"><title>Sneaky</title><p>Hi</p><script>document.body.append(Object.assign(document.createElement("img"), { ["sr" + "c"]: "../../assets/site.js" }));</script></html>`);
    const job = { ...first.model.pdfs.find((j) => !j.booklet)!, html };
    const printing = render({}, [job]);
    await expect(printing).rejects.toBeInstanceOf(PrintError);
    await expect(printing).rejects.toMatchObject({ failures: [{ file: html, message: expect.stringMatching(/assets\/site\.js, which the PDF cache does not know/) }] });
  });

  it("fails with a PrintError naming the browser, and waits for no part, when the browser stops", async () => {
    const jobs = structuredClone(first.model.pdfs);
    for (const job of jobs) if (job.booklet) job.booklet.footer = `Stopped · ${job.booklet.footer}`;
    const doomed = await launchBrowser();
    await doomed.browser.close();
    const printing = render({ browser: async () => doomed.browser }, jobs);
    await expect(printing).rejects.toBeInstanceOf(PrintError);
    await expect(printing).rejects.toMatchObject({ failures: [{ file: "browser", message: expect.stringMatching(/^the browser stopped working/) }] });
    await doomed.close();
  });

  it("prints booklet parts one at a time, whatever the concurrency", async () => {
    // Another footer changes every part's key and no handout's.
    const jobs = structuredClone(first.model.pdfs);
    for (const job of jobs) if (job.booklet) job.booklet.footer = `Changed · ${job.booklet.footer}`;
    let open = 0;
    let most = 0;
    const opened = (target: { type(): string }) => target.type() === "page" && (most = Math.max(most, ++open));
    const closed = (target: { type(): string }) => target.type() === "page" && open--;
    open = (await running.browser.pages()).length;
    const before = open;
    running.browser.on("targetcreated", opened);
    running.browser.on("targetdestroyed", closed);
    try {
      const result = await render({ concurrency: 4 }, jobs);
      expect([result.printed, result.parts]).toEqual([2, 2 * partsPerBooklet()]);
    } finally {
      running.browser.off("targetcreated", opened);
      running.browser.off("targetdestroyed", closed);
    }
    expect(most - before).toBe(1);
  });
});

describe("the print code's fingerprint", () => {
  it("covers the printing and stamping modules and the locked versions of what prints", async () => {
    const { files, packages } = await printingInputs();
    const pdfModules = (await readdir(path.join(import.meta.dirname, "..", "scripts", "pdf"))).filter((n) => n.endsWith(".ts"));
    expect(files).toEqual(expect.arrayContaining(["scripts/pipeline/render-pdf.ts", ...pdfModules.map((n) => `scripts/pdf/${n}`)]));
    const lock = JSON.parse(await readFile(path.join(import.meta.dirname, "..", "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    for (const name of ["puppeteer-core", "pdf-lib"]) expect(packages).toContain(`node_modules/${name}@${lock.packages[`node_modules/${name}`]!.version}`);
  });

  it("leaves out the model, whose output each page's key already holds, so a model edit reprints only the pages it changes", async () => {
    const { files } = await printingInputs();
    expect(files).not.toContain("scripts/pipeline/model.ts");
    expect(files).toContain("scripts/pipeline/print-footer.ts");
  });
});

async function counts(result: Promise<PdfResult>): Promise<{ printed: number; cached: number; parts: number }> {
  const { printed, cached, parts } = await result;
  return { printed, cached, parts };
}
