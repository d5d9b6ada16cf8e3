// Draws one contact sheet image: every page asked for, as a small canvas
// drawn by pdf.js (Mozilla's PDF reader, the same one the tests read PDFs
// with), at one scale for all pages, so A4, Letter and landscape pages keep
// their true shapes and sizes side by side (the scale, CSS pixels per PDF
// point, is the command's). scripts/cli/proof.ts calls the
// three functions below through Puppeteer and screenshots #sheet.
import { getDocument, GlobalWorkerOptions } from "/pdfjs/build/pdf.mjs";

GlobalWorkerOptions.workerSrc = "/pdfjs/build/pdf.worker.mjs";

/** Backing pixels per CSS pixel: drawn finer, then shrunk, so small type stays smooth. */
const DETAIL = 2;

let docs = [];

/** Opens the sheet's PDFs; their page counts, in order. */
window.proofOpen = async (urls) => {
  docs = await Promise.all(
    urls.map((url) => getDocument({ url, cMapUrl: "/pdfjs/cmaps/", cMapPacked: true, standardFontDataUrl: "/pdfjs/standard_fonts/", isEvalSupported: false }).promise),
  );
  return docs.map((d) => d.numPages);
};

window.proofClose = async () => {
  await Promise.all(docs.map((d) => d.destroy()));
  docs = [];
};

/** A page with no mark at all (every backing pixel white) is shown as such: it would print blank. */
function isBlank(canvas) {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < data.length; i += 4) if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) return false;
  return true;
}

function text(tag, className, value) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = value;
  return el;
}

/**
 * Draws `thumbs` ({ doc, page, pages, label, limit }) under a heading, at
 * `scale` CSS pixels per PDF point, and
 * returns each thumbnail's canvas box in whole CSS pixels from #sheet's
 * top left corner, and whether it came out blank.
 */
window.proofDraw = async ({ title, sub, scale, thumbs }) => {
  const sheet = document.getElementById("sheet");
  sheet.replaceChildren(text("h1", "", title), text("p", "sub", sub));
  const grid = document.createElement("div");
  grid.className = "grid";
  sheet.append(grid);
  const drawn = [];
  for (const thumb of thumbs) {
    const page = await docs[thumb.doc].getPage(thumb.page);
    const size = page.getViewport({ scale });
    const width = Math.round(size.width);
    const height = Math.round(size.height);
    const canvas = document.createElement("canvas");
    canvas.width = width * DETAIL;
    canvas.height = height * DETAIL;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const viewport = page.getViewport({ scale: (scale * DETAIL * width) / size.width });
    await page.render({ canvas, viewport, background: "#ffffff" }).promise;
    page.cleanup();
    const blank = isBlank(canvas);
    const over = thumb.limit !== undefined && thumb.page > thumb.limit;
    const figure = document.createElement("figure");
    figure.className = [thumb.page === 1 ? "first" : "", over ? "over" : "", blank ? "blank" : ""].filter(Boolean).join(" ");
    const caption = document.createElement("figcaption");
    caption.append(text("span", "page", `p. ${thumb.page} / ${thumb.pages}`), " ", text("span", "file", thumb.label));
    if (over) caption.append(" ", text("span", "flag", `over the ${thumb.limit}-page limit`));
    if (blank) caption.append(" ", text("span", "flag", "blank page"));
    figure.append(canvas, caption);
    grid.append(figure);
    drawn.push({ canvas, blank });
  }
  await document.fonts.ready;
  const origin = sheet.getBoundingClientRect();
  return drawn.map(({ canvas, blank }) => {
    const box = canvas.getBoundingClientRect();
    return { x: Math.round(box.left - origin.left), y: Math.round(box.top - origin.top), width: Math.round(box.width), height: Math.round(box.height), blank };
  });
};

window.proofReady = true;
