// The running footer of a print page, as CSS. Its own module because both
// the model (each print page's footer) and the PDF stage (a booklet part's
// footer, numbered at print time) use it, and the PDF cache fingerprints
// the code the PDF stage imports (pdf-cache.ts): imported from model.ts, an
// edit anywhere in the model or its imports would reprint every PDF,
// though the pages it makes are already in each PDF's key.

/**
 * The running footer as a CSS `content` value for the page's bottom margin
 * box: drawn by the page itself, so in the page's own bundled font.
 */
export function footerContent(text: string): string {
  // CSS string escapes; "<" too, so the text can never close the <style> element.
  const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/</g, "\\3C ")}"`;
  return text
    .split(/(\{page\}|\{pages\})/)
    .filter((part) => part !== "")
    .map((part) => (part === "{page}" ? "counter(page)" : part === "{pages}" ? "counter(pages)" : quote(part)))
    .join(" ");
}
