// Review sheets: one PDF per translated lesson, its source beside its
// translation row by row (scripts/core/review.ts), printed with the build's
// browser, fonts and print stylesheet, with a sign-off box at the end. One
// PDF per lesson, not one per locale: a sign-off (`kit review --sign`) and
// `kit status` are per lesson, so one signed sheet answers for one lesson's
// record, and a team can hand different lessons to different readers.
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Handlebars from "handlebars";
import { contactText, escapeHtml } from "../core/contacts.ts";
import { linesFor } from "../core/markdown.ts";
import { alignLesson, segmentHtml, type ReviewRow, type RowBlock } from "../core/review.ts";
import { resolveLines, SCHOOL_REF, type SchoolRole } from "../core/roles.ts";
import { setInfo } from "../pdf/info.ts";
import { launchBrowser } from "../system/browser.ts";
import { writeFonts } from "./fonts.ts";
import { LESSONS_DIR } from "./load.ts";
import { footerContent } from "./print-footer.ts";
import type { Reporter } from "./report.ts";
import { sourceHash, statusOf } from "./translations.ts";
import type { Kit, Lesson, Locale } from "./validate.ts";

const TOOL_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const TEMPLATE = path.join(TOOL_ROOT, "templates", "partials", "review-sheet.hbs");
const ASSETS = ["print.css", "paper-a4.css", "paper-letter.css", "review.css"];
/** Write-in lines in the sign-off box. */
const CHANGE_LINES = 8;

export interface SheetJob {
  lesson: Lesson;
  /** Where its PDF goes. */
  file: string;
}

/** What `[[name]]` prints in a locale: the line's short name and first contact, or the school's words. */
function printsIn(locale: Locale): (name: string) => string | undefined {
  return (name) => {
    const school = SCHOOL_REF.exec(name);
    if (school) return locale.school[school[1] as SchoolRole];
    const id = resolveLines([name], locale.region.roles, locale.lines).ids[0];
    const line = id ? locale.lines.get(id) : undefined;
    if (!line) return undefined;
    const contact = contactText(line.contacts[0]);
    return contact && !line.short.includes(contact) ? `${line.short}, ${contact}` : line.short;
  };
}

/** How a block is labelled on the sheet and which highlight it gets. */
function label(block: RowBlock): { label: string; cls: string } {
  switch (block.name) {
    case "front":
      return { label: "Front matter: title, summary, goals, materials, family sheet", cls: "front" };
    case "message":
      return { label: `Message: ${block.args[0] ?? ""}`, cls: "message" };
    case "helplines":
      return { label: "Help lines", cls: "helplines" };
    case "card":
      return { label: "Card", cls: "card" };
    case "blockquote":
      return { label: "Quote (not in the translation files: check it here)", cls: "quote" };
    case "table":
      return { label: "Table (not in the translation files: check it here)", cls: "table" };
    default:
      // A `::: name` block says its name; headings and paragraphs need no label.
      return { label: /^(heading|paragraph|bullet_list|ordered_list)$/.test(block.name) ? "" : block.name, cls: block.name };
  }
}

/** Rows grouped by their top-level block, as the template lays them out. */
function groups(rows: ReviewRow[], source: Locale, target: Locale) {
  const out: { label: string; cls: string; prints?: string; rows: object[] }[] = [];
  let last: string | undefined;
  const html = (locale: Locale) => (text: string) => segmentHtml(text, printsIn(locale));
  for (const row of rows) {
    const lines = row.block.name === "helplines" ? linesFor(row.block.args, { lines: target.lines, roles: target.region.roles, defaultLines: target.region.meta.default }) : [];
    const printed = `prints these help lines of region ${target.region.meta.region}: ${lines.map((id) => printsIn(target)(id) ?? id).join("; ") || "none"}`;
    if (row.block.id !== last) {
      const head = label(row.block);
      // A help-lines box with text of its own says in its label which lines it prints.
      out.push({ ...head, prints: row.block.name === "helplines" && !row.textless ? printed : undefined, rows: [] });
    }
    last = row.block.id;
    const textlessHtml = row.textless ? (row.block.name === "helplines" ? escapeHtml(printed.replace(/^p/, "P")) : `::: ${escapeHtml(row.block.name)} (no text of its own)`) : undefined;
    out.at(-1)!.rows.push({
      id: row.id,
      targetId: row.targetId,
      verbatim: row.verbatim,
      textlessHtml,
      source: row.source.map(html(source)),
      target: row.target.map(html(target)),
    });
  }
  return out;
}

/** The sheet's page, as HTML. */
function sheetHtml(template: Handlebars.TemplateDelegate, kit: Kit, target: Locale, source: Locale, lesson: Lesson, original: Lesson, date: Date): string {
  const status = statusOf(lesson, source);
  const record = lesson.meta.translation!;
  const alignment = alignLesson(original.text, lesson.text);
  const hashNow = sourceHash(original.text);
  const reviewed = status.reviewer ? `, reviewed by ${status.reviewer}${status.reviewedOn ? ` on ${status.reviewedOn}` : ""}${status.reviewedHash ? ` against source ${status.reviewedHash}${status.changedSinceReview ? " (the source changed since)" : ""}` : ""}` : "";
  const paper = target.region.meta.paper;
  return template({
    lang: target.meta.language,
    sourceLang: source.meta.language,
    paper,
    footer: footerContent(`Review sheet · ${target.code} · ${lesson.id} · page {page} of {pages}`),
    kitTitle: kit.config.title,
    title: lesson.meta.title,
    sourceTitle: original.meta.title,
    lessonId: lesson.id,
    targetFile: `${LESSONS_DIR}/${target.code}/${lesson.id}.md`,
    sourceFile: `${LESSONS_DIR}/${source.code}/${lesson.id}.md`,
    locale: target.code,
    localeName: target.meta.name,
    source: source.code,
    kind: record.kind,
    hashNow,
    recordedHash: record.sourceHash,
    statusText: `${record.status}${reviewed}${status.outdated ? "; out of date" : ""}`,
    outdated: status.outdated,
    printed: date.toISOString().slice(0, 10),
    lined: alignment.lined,
    groups: groups(alignment.rows, source, target),
    changeLines: Array.from({ length: CHANGE_LINES }, (_, i) => i),
  });
}

/**
 * Prints each job's sheet with one browser and one tab, each PDF written
 * beside its final name and renamed into place, so a failed print leaves
 * the last good sheet as it was.
 */
export async function printReviewSheets(kit: Kit, target: Locale, source: Locale, jobs: readonly SheetJob[], report: Reporter, date: Date): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), "talk-early-review-"));
  const browser = await launchBrowser((line) => report.line(line));
  try {
    const assets = path.join(work, "assets");
    await mkdir(assets, { recursive: true });
    for (const name of ASSETS) await copyFile(path.join(TOOL_ROOT, "templates", "assets", name), path.join(assets, name));
    await writeFonts(assets);
    const template = Handlebars.create().compile(await readFile(TEMPLATE, "utf8"), { strict: false });
    const page = await browser.browser.newPage();
    let done = 0;
    report.progress("Review sheets", done, jobs.length);
    for (const job of jobs) {
      const original = source.lessons.find((l) => l.id === job.lesson.id && !l.fallbackFrom)!;
      const html = path.join(work, `${job.lesson.id}.html`);
      await writeFile(html, sheetHtml(template, kit, target, source, job.lesson, original, date));
      await page.goto(pathToFileURL(html).href, { waitUntil: "load", timeout: 60_000 });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const printed = await page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: true, outline: true, timeout: 120_000 });
      const pdf = await setInfo(printed, { title: `Review sheet: ${job.lesson.meta.title} (${target.code})`, lang: target.meta.language, author: kit.config.author, subject: kit.config.subject, date });
      await mkdir(path.dirname(job.file), { recursive: true });
      await writeFile(`${job.file}.tmp`, pdf);
      await rename(`${job.file}.tmp`, job.file);
      report.progress("Review sheets", ++done, jobs.length);
    }
  } finally {
    await browser.close();
    await rm(work, { recursive: true, force: true });
  }
}
