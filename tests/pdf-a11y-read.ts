// What assistive technology reads from a PDF besides its tags, read by
// pdf.js (independent of how it was written): the XMP metadata and the
// /Contents of every link annotation, and the /Alt of every /Figure.
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { STANDARD_FONTS } from "./helpers.ts";

export interface Described {
  title?: string;
  language?: string;
  /** Each link annotation's /Contents, page by page, "" where it has none. */
  links: string[];
  /** Each /Figure of the structure tree, page by page: its /Alt, "" where it has none. */
  figures: string[];
}

interface StructNode {
  role?: string;
  alt?: string;
  children?: StructNode[];
}

function figuresOf(node: StructNode | null, into: string[]): void {
  if (!node) return;
  if (node.role === "Figure") into.push(node.alt ?? "");
  for (const child of node.children ?? []) figuresOf(child, into);
}

export async function described(pdf: Uint8Array): Promise<Described> {
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  try {
    const { metadata } = (await doc.getMetadata()) as unknown as { metadata: { get(name: string): unknown } | null };
    const one = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
    const links: string[] = [];
    const figures: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      figuresOf((await page.getStructTree()) as StructNode | null, figures);
      for (const annot of (await page.getAnnotations()) as { subtype: string; contentsObj?: { str: string } }[]) {
        if (annot.subtype === "Link") links.push(annot.contentsObj?.str ?? "");
      }
    }
    return { title: one(metadata?.get("dc:title")), language: one(metadata?.get("dc:language")), links, figures };
  } finally {
    await doc.destroy();
  }
}
