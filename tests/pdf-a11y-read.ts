// What assistive technology reads from a PDF besides its tags, read by
// pdf.js (independent of how it was written): the XMP metadata and the
// /Contents of every link annotation.
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { STANDARD_FONTS } from "./helpers.ts";

export interface Described {
  title?: string;
  language?: string;
  /** Each link annotation's /Contents, page by page, "" where it has none. */
  links: string[];
}

export async function described(pdf: Uint8Array): Promise<Described> {
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  try {
    const { metadata } = (await doc.getMetadata()) as unknown as { metadata: { get(name: string): unknown } | null };
    const one = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
    const links: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      for (const annot of (await page.getAnnotations()) as { subtype: string; contentsObj?: { str: string } }[]) {
        if (annot.subtype === "Link") links.push(annot.contentsObj?.str ?? "");
      }
    }
    return { title: one(metadata?.get("dc:title")), language: one(metadata?.get("dc:language")), links };
  } finally {
    await doc.destroy();
  }
}
