// Stage 5: print each handout's page to PDF with one browser and a small
// pool of reused tabs, then stamp the document's metadata.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PDFDocument } from "pdf-lib";
import type { Browser, Page } from "puppeteer-core";
import type { PdfJob } from "./model.ts";
import { KitError } from "./problems.ts";

export interface PdfMeta {
  author: string;
  subject: string;
  /** Creation and modification date, for byte-identical rebuilds. */
  date: Date;
}

export interface PdfOptions {
  browser: Browser;
  siteDir: string;
  outDir: string;
  meta: PdfMeta;
  /** Tabs printing at once; defaults to the machine's cores. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

const PAGE_TIMEOUT_MS = 60_000;


/** Prints one page; Chromium's PDF is then given its title, language and dates. */
async function printOne(page: Page, job: PdfJob, options: PdfOptions): Promise<void> {
  await page.goto(pathToFileURL(path.join(options.siteDir, job.html)).href, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const raw = await page.pdf({
    preferCSSPageSize: true,
    printBackground: true,
    tagged: true,
    outline: true,
    timeout: PAGE_TIMEOUT_MS,
  });
  const doc = await PDFDocument.load(raw, { updateMetadata: false });
  doc.setTitle(job.title, { showInWindowTitleBar: true });
  doc.setLanguage(job.lang);
  doc.setAuthor(options.meta.author);
  doc.setSubject(options.meta.subject);
  doc.setCreator("Talk Early kit");
  doc.setProducer("Talk Early kit (Chromium, pdf-lib)");
  doc.setCreationDate(options.meta.date);
  doc.setModificationDate(options.meta.date);
  const file = path.join(options.outDir, job.pdf);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await doc.save({ useObjectStreams: false }));
}

/** Prints every job; a page that crashes or times out is retried once in a fresh tab. */
export async function renderPdfs(jobs: readonly PdfJob[], options: PdfOptions): Promise<number> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? os.availableParallelism(), jobs.length));
  let next = 0;
  let done = 0;
  const failures: { job: PdfJob; error: unknown }[] = [];

  const worker = async () => {
    let page = await options.browser.newPage();
    while (next < jobs.length) {
      const job = jobs[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          await printOne(page, job, options);
          break;
        } catch (error) {
          await page.close().catch(() => undefined);
          page = await options.browser.newPage();
          if (attempt === 2) {
            failures.push({ job, error });
            break;
          }
        }
      }
      options.onProgress?.(++done, jobs.length);
    }
    await page.close().catch(() => undefined);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  if (failures.length) {
    throw new KitError(
      failures.map(({ job, error }) => ({
        file: job.pdf,
        field: "pdf",
        message: `could not print ${job.html} after a retry: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      })),
    );
  }
  return jobs.length;
}
