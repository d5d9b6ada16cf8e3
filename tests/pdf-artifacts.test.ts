// The drawing Chromium leaves untagged, marked as artifacts
// (scripts/pdf/artifacts.ts): the tokenizer on tricky streams, and a real
// Chromium print with what the kit's pages do not have yet (images, layers
// that Skia writes as form XObjects), through both paths of info.ts. The
// real builds are read in pdf.test.ts (fixture kit) and pdf-a11y.test.ts
// (the whole kit).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { wrapArtifacts } from "../scripts/pdf/artifacts.ts";
import { appendInfo, setInfo } from "../scripts/pdf/info.ts";
import { launchBrowser } from "../scripts/system/browser.ts";
import { tempDir } from "./helpers.ts";
import { artifactChanges, paintsOf, pixels, unmarked } from "./pdf-marked-read.ts";
import { qpdfCheck } from "./synthetic-pdf.ts";

const wrap = (stream: string, keepDo?: string[]) => Buffer.from(wrapArtifacts(Buffer.from(stream, "latin1"), keepDo ? { keepDo: new Set(keepDo) } : {}).bytes).toString("latin1");
const A = (object: string) => `/Artifact BMC\n${object}\nEMC\n`;

describe("wrapping a content stream", () => {
  it("wraps whole unmarked objects, leaving graphics state and marked content where they are", () => {
    const stream = "q 1 0 0 1 5 5 cm 0 0 1 rg\n0 0 10 10 re\nf\n/P <</MCID 0>> BDC BT /F1 9 Tf (Hi) Tj ET EMC\nBT (Footer) Tj ET\nQ";
    expect(wrap(stream)).toBe(`q 1 0 0 1 5 5 cm 0 0 1 rg\n${A("0 0 10 10 re\nf")}\n/P <</MCID 0>> BDC BT /F1 9 Tf (Hi) Tj ET EMC\n${A("BT (Footer) Tj ET")}\nQ`);
  });

  it("leaves clip-only paths, and paths inside marked content, alone; wraps a path with a clip in it whole", () => {
    expect(wrap("0 0 5 5 re W n")).toBe("0 0 5 5 re W n");
    expect(wrap("/Span BMC 0 0 m 1 1 l S EMC")).toBe("/Span BMC 0 0 m 1 1 l S EMC");
    expect(wrap("0 0 m 1 1 l 2 0 l h W* B*")).toBe(A("0 0 m 1 1 l 2 0 l h W* B*"));
    expect(wrap("1 0 0 RG 3 4 m 5 6 7 8 9 10 c S 2 w")).toBe(`1 0 0 RG ${A("3 4 m 5 6 7 8 9 10 c S")} 2 w`);
  });

  it("reads operator names inside strings, hex strings, names, arrays, dictionaries and comments as data", () => {
    const text = "BT [(EMC\\) BT \\(ET) 5 <45 4D 43> -3 (nested (BDC) parens \\\\)] TJ /EMC#20x 1 Tf ET";
    expect(wrap(text)).toBe(A(text));
    const marked = "/Span <</ActualText (ET\\) EMC \\)) /Alt <454D43>>> BDC BT (x) Tj ET EMC";
    expect(wrap(marked)).toBe(marked);
    const commented = "% EMC BT ET\n0 0 1 1 re f % f\n";
    expect(wrap(commented)).toBe(`% EMC BT ET\n${A("0 0 1 1 re f")} % f\n`);
  });

  it("tracks nested marked content, and leaves a text object that holds marked content as it is", () => {
    const nested = "/Sect BMC /P <</MCID 1>> BDC 0 0 1 1 re f EMC 0 0 2 2 re f EMC 0 0 3 3 re f";
    expect(wrap(nested)).toBe(`/Sect BMC /P <</MCID 1>> BDC 0 0 1 1 re f EMC 0 0 2 2 re f EMC ${A("0 0 3 3 re f")}`);
    const inside = "BT /P <</MCID 2>> BDC (a) Tj EMC (b) Tj ET";
    expect(wrap(inside)).toBe(inside);
  });

  it("wraps Do, sh and inline images at the call, except the forms that hold their own marked content", () => {
    expect(wrap("q 10 0 0 10 0 0 cm /Im1 Do Q")).toBe(`q 10 0 0 10 0 0 cm ${A("/Im1 Do")} Q`);
    expect(wrap("/Fm1 Do /Fm#32 Do", ["Fm1", "Fm2"])).toBe("/Fm1 Do /Fm#32 Do");
    expect(wrap("/Sh1 sh")).toBe(A("/Sh1 sh"));
  });

  it("skips inline image data by its length, even when the data holds EI, BT or unbalanced parentheses", () => {
    // 4 x 2 pixels, 8-bit grey: 8 bytes, among them " EI " and "(".
    const image = "BI /W 4 /H 2 /BPC 8 /CS /G ID \n EI (BT\nEI";
    expect(wrap(`${image} 0 0 1 1 re f`)).toBe(`${A(image)} ${A("0 0 1 1 re f")}`);
    // Filtered, so of unknown length: the first EI standing alone with text after it ends the data.
    const filtered = "BI /W 2 /H 2 /BPC 8 /CS /RGB /F /Fl ID \x78\x9cEI\xff\x00\x01 EI\n\xfe\xfd EI\nQ";
    expect(wrap(filtered)).toBe(`${A(filtered.slice(0, -2))}\nQ`);
    const unended = "BI /W 9 /H 9 /F /Fl ID \x00\x01";
    expect(wrap(unended)).toBe(unended);
  });

  it("returns the very same bytes when nothing is unmarked", () => {
    const bytes = Buffer.from("/P <</MCID 0>> BDC BT (x) Tj ET EMC", "latin1");
    const result = wrapArtifacts(bytes);
    expect(result.wrapped).toBe(0);
    expect(result.bytes).toBe(bytes);
  });
});

// What Chromium draws without marked content, and what it marks: an icon
// and an image hidden from assistive technology, a named image, a
// half-transparent block (Skia draws it as a form XObject, tagged inside
// when it is exposed), a gradient, borders and a running footer.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR42mP8z8DwnwEIGBkZGRgYGAAeBgQBAt0nNQAAAABJRU5ErkJggg==";
const PAGE = `<!doctype html><html lang="en"><title>Marks</title>
<style>@page { size: A5; margin: 15mm; @bottom-center { content: "Footer · page " counter(page) } } .box { border: 2px solid navy; padding: 4px }</style>
<h1><svg aria-hidden="true" width="24" height="24" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" stroke="teal" stroke-width="2"/></svg> Heading</h1>
<p class="box">Text in a box. <img src="data:image/png;base64,${PNG}" width="30" height="30" alt="A named picture"></p>
<img src="data:image/png;base64,${PNG}" width="30" height="30" alt="" aria-hidden="true">
<div style="opacity: .5"><p>Half-transparent, and read.</p></div>
<div style="opacity: .5" aria-hidden="true"><p>Half-transparent, and hidden.</p></div>
<div style="height: 30px; background: linear-gradient(teal, navy)"></div>
<p style="break-before: page">Second page.</p></html>`;
const FIELDS = { title: "Marks", lang: "en", author: "A", subject: "S", date: new Date("2025-11-27T00:00:00Z") };

describe("a Chromium print with images and layers", () => {
  let dir: string;
  let raw: Uint8Array;
  beforeAll(async () => {
    dir = await tempDir("talk-early-artifacts-");
    const running = await launchBrowser();
    try {
      const page = await running.browser.newPage();
      await page.setContent(PAGE);
      raw = await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true });
    } finally {
      await running.close();
    }
    await writeFile(path.join(dir, "raw.pdf"), raw);
  }, 60_000);

  const paths = {
    "the incremental update": async () => {
      expect(appendInfo(raw, FIELDS), "Chromium's layout takes the fast path").toBeDefined();
      return setInfo(raw, FIELDS);
    },
    // Junk after %%EOF makes appendInfo decline (as in pdf-info.test.ts).
    "the pdf-lib fallback": async () => {
      const junk = new Uint8Array(Buffer.concat([Buffer.from(raw), Buffer.from("\n% junk\n", "latin1")]));
      expect(appendInfo(junk, FIELDS)).toBeUndefined();
      return setInfo(junk, FIELDS);
    },
  };
  for (const [name, make] of Object.entries(paths)) {
    it(`through ${name}: every painting operator is in marked content, the tagged as before, the rest as artifacts; the pixels are the same`, async () => {
      const processed = await make();
      const file = path.join(dir, `${name.replaceAll(" ", "-")}.pdf`);
      await writeFile(file, processed);
      const before = await paintsOf(raw);
      const after = await paintsOf(processed);
      const paints = before.flat();
      // The print has what this test is for: an unmarked image, unmarked curves, tagged text in a form.
      expect(paints.some((p) => p.op === "paintImageXObject" && p.marks.length === 0), "an image hidden from assistive technology").toBe(true);
      expect(paints.some((p) => p.op === "paintImageXObject" && p.marks[0]?.startsWith("Figure:")), "a named image").toBe(true);
      expect(paints.some((p) => p.curved && p.marks.length === 0), "an unmarked icon").toBe(true);
      expect(unmarked(before).length).toBeGreaterThan(0);
      expect(unmarked(after)).toEqual([]);
      expect(artifactChanges(before, after)).toEqual([]);
      expect(await pixels(file)).toEqual(await pixels(path.join(dir, "raw.pdf")));
      expect(await qpdfCheck(file)).toContain("No syntax or stream encoding errors found");
    });
  }
});
