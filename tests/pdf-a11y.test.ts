// Every PDF of the real build (every locale, both papers, booklets too)
// carries XMP title and language, and /Contents on each of its links.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { described } from "./pdf-a11y-read.ts";

describe("the built PDFs, as assistive technology reads them", () => {
  it("each has an XMP title and language, and every link says where it goes", async () => {
    const root = path.join(inject("kitOut"), "pdf");
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith(".pdf")).sort();
    expect(files.some((file) => file.includes("booklet")), "booklets are among them").toBe(true);
    const found: Record<string, { titled: boolean; languaged: boolean; undescribed: number; links: number }> = {};
    const expected: typeof found = {};
    for (const file of files) {
      const pdf = await described(new Uint8Array(await readFile(path.join(root, file))));
      found[file] = { titled: Boolean(pdf.title?.trim()), languaged: Boolean(pdf.language?.trim()), undescribed: pdf.links.filter((text) => !text.trim()).length, links: pdf.links.length };
      expected[file] = { titled: true, languaged: true, undescribed: 0, links: pdf.links.length };
    }
    expect(found).toEqual(expected);
    expect(Object.values(found).some((pdf) => pdf.links > 0), "some PDF has links").toBe(true);
  });
});
