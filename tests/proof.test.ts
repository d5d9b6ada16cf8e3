// `kit proof` on the fixture kit, built for real: one contact sheet per
// locale, handout kind and paper the build made; as many thumbnails as the
// kind's PDFs have pages (counted here with pdf.js); every thumbnail drawn
// (its pixels read from the PNG), framed and at its page's shape; the
// command line's refusals.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { proof, type ProofResult } from "../scripts/cli/proof.ts";
import { build, type BuildResult } from "../scripts/pipeline/build.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";
import { fixtureKit, PROJECT, STANDARD_FONTS, tempDir } from "./helpers.ts";

let root: string;
let out: string;
let built: BuildResult;
let proofed: ProofResult;

beforeAll(async () => {
  root = await fixtureKit();
  out = await tempDir("talk-early-proof-");
  built = await build({ root, outDir: out, reporter: silentReporter, concurrency: 1 });
  proofed = await proof({ root, outDir: out, reporter: silentReporter });
}, 120_000);

/** Each page's size in points, read with pdf.js. */
async function pageSizes(file: string): Promise<{ width: number; height: number }[]> {
  const doc = await getDocument({ data: new Uint8Array(await readFile(file)), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  const sizes = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const { width, height } = (await doc.getPage(n)).getViewport({ scale: 1 });
    sizes.push({ width, height });
  }
  await doc.destroy();
  return sizes;
}

const key = (s: { locale: string; paper: string }, kind: string) => `${s.locale} ${kind} ${s.paper}`;

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", [path.join(PROJECT, "bin/kit.js"), "proof", ...args], (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 10) : 0, stderr });
    });
  });
}

describe("kit proof", () => {
  it("writes one sheet per locale, kind and paper the build made, all linked from the index", async () => {
    const expected = [...new Set(built.model.pdfs.map((j) => key(j, j.variant)))].sort();
    expect(proofed.sheets.map((s) => key(s, s.kind)).sort()).toEqual(expected);
    expect(proofed.missing).toEqual([]);
    const index = await readFile(path.join(out, "proof", "index.html"), "utf8");
    for (const sheet of proofed.sheets) {
      expect(sheet.images.length).toBeGreaterThan(0);
      for (const image of sheet.images) expect(index).toContain(`href="${image.file}"`);
    }
  });

  it("has a thumbnail for every page of the kind's PDFs, at the page's shape", async () => {
    for (const sheet of proofed.sheets) {
      const jobs = built.model.pdfs.filter((j) => j.locale === sheet.locale && j.variant === sheet.kind && j.paper === sheet.paper);
      const thumbs = sheet.images.flatMap((i) => i.thumbs);
      const pages: string[] = [];
      for (const job of jobs) {
        const sizes = await pageSizes(path.join(out, job.pdf));
        sizes.forEach((size, n) => {
          pages.push(`${job.pdf} ${n + 1}`);
          const thumb = thumbs.find((t) => t.pdf === job.pdf && t.page === n + 1);
          // Border included: 2 px, and a pixel of rounding.
          if (thumb) expect(Math.abs((thumb.width - 2) / (thumb.height - 2) - size.width / size.height), `${job.pdf} p. ${n + 1}`).toBeLessThan(0.02);
        });
      }
      expect(thumbs.map((t) => `${t.pdf} ${t.page}`), key(sheet, sheet.kind)).toEqual(pages);
    }
  });

  it("draws every thumbnail: framed, and with marks on the page", async () => {
    let checked = 0;
    for (const image of proofed.sheets.flatMap((s) => s.images)) {
      const png = PNG.sync.read(await readFile(path.join(proofed.dir, image.file)));
      expect([png.width, png.height]).toEqual([image.width, image.height]);
      const dark = (x: number, y: number, level: number) => {
        const i = (y * png.width + x) * 4;
        return png.data[i]! < level || png.data[i + 1]! < level || png.data[i + 2]! < level;
      };
      for (const t of image.thumbs) {
        const where = `${image.file}: ${t.pdf} p. ${t.page}`;
        expect(t.x >= 0 && t.y >= 0 && t.x + t.width <= png.width && t.y + t.height <= png.height, where).toBe(true);
        // The thin border: the frame's right edge, halfway down.
        expect(dark(t.x + t.width - 1, t.y + Math.floor(t.height / 2), 200), `${where}: border`).toBe(true);
        let marks = 0;
        for (let y = t.y + 3; y < t.y + t.height - 3; y++) for (let x = t.x + 3; x < t.x + t.width - 3; x++) if (dark(x, y, 180)) marks++;
        expect(marks, `${where}: blank`).toBeGreaterThan(50);
        expect(t.blank, where).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe(proofed.sheets.reduce((n, s) => n + s.pages, 0));
  });

  it("refuses an unknown locale (exit 2) and a folder with no build (exit 1)", async () => {
    const unknown = await run(["--root", root, "--out", out, "--locale", "zz-ZZ"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--locale zz-ZZ: no such locale");
    const empty = await run(["--root", root, "--out", await tempDir("talk-early-proof-empty-")]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("run `kit build");
    expect(empty.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
