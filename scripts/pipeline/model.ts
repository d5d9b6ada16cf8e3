// Stage 3: turn the validated kit into what the templates show: one entry per
// web page and per print page, and one job per PDF. All URLs are relative,
// so the site works from file://, from a sub-path and offline.
import type Token from "markdown-it/lib/token.mjs";
import QRCode from "qrcode";
import { contactText } from "../core/contacts.ts";
import { blockParams, helplineListHtml, markdown, type MarkdownEnv } from "../core/markdown.ts";
import { BANDS, PAPERS, type Band, type Paper, type Variant } from "../core/schema.ts";
import { stringList, translator, type Translate } from "../core/strings.ts";
import { statusOf } from "./translations.ts";
import type { Kit, Lesson, Locale } from "./validate.ts";

export interface BuildOptions {
  /** Public address of the site, for QR codes and absolute links. */
  baseUrl?: string;
  /** Build only these locales. */
  locales?: string[];
  /** Handouts per booklet part (tests set it low to join parts on a small kit). */
  bookletPartSections?: number;
}

export interface PdfJob {
  /** File stem: `<lesson-id>-<variant>-<paper>`. */
  name: string;
  locale: string;
  lang: string;
  /** Print page, relative to the site folder. */
  html: string;
  /** PDF, relative to the output folder. */
  pdf: string;
  paper: Paper;
  title: string;
  /** Booklets only: what render-pdf needs to print them in parts and number them. */
  booklet?: BookletLayout;
}

export interface BookletLayout {
  /** The handouts it holds, as PDF paths in order: their page counts number the booklet. */
  sections: string[];
  /** Each section's anchor, which the contents link to. */
  anchors: string[];
  /** Pages before the first section: cover and contents. */
  before: number;
  /** Print pages, in order, and how many sections each holds; the first has cover and contents. */
  parts: { html: string; sections: number }[];
  /** Running footer text, with {page} and {pages}. */
  footer: string;
}

/** One page for a template: everything it shows, already in the right words. */
export interface Entry {
  url: string;
  /** Relative path from this page back to the site root ("" or "../"...). */
  base: string;
  kind: string;
  lang: string;
  dir: string;
  locale: string;
  title: string;
  strings: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SiteModel {
  site: Entry[];
  print: Entry[];
  pdfs: PdfJob[];
}

export const CRISIS_CARD = "get-help-now-card";
export const BOOKLET = "kit-booklet";
/** Contents entries per page: one line each, so the contents' length is known before printing. */
export const CONTENTS_PER_PAGE = 28;
/**
 * Handouts per booklet part. Chromium needs about 1 MB a page to print, so
 * a booklet is printed in parts of this many handouts (about 150 pages)
 * and joined (pdf-merge.ts). The default kit (30 handouts) is one part.
 */
export const BOOKLET_PART_SECTIONS = 32;

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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

function baseFor(url: string): string {
  const depth = url.split("/").length - 1;
  return "../".repeat(depth);
}

/** Renders only the blocks named, in body order: cards and worksheets for the worksheet. */
function renderBlocks(body: string, env: MarkdownEnv, names: readonly string[]): string {
  const md = markdown();
  const tokens = md.parse(body, env);
  const picked: Token[] = [];
  let inside = false;
  for (const token of tokens) {
    if (token.type.startsWith("container_") && token.nesting === 1) inside = names.includes(blockParams(token.info).name);
    if (inside) picked.push(token);
    if (token.type.startsWith("container_") && token.nesting === -1) inside = false;
  }
  return md.renderer.render(picked, md.options, env);
}

function markdownEnv(locale: Locale, t: Translate): MarkdownEnv {
  return {
    lines: locale.lines,
    roles: locale.region.roles,
    school: locale.school,
    defaultLines: locale.region.meta.default,
    t,
    disclosureSteps: stringList(locale.strings, "disclosure.steps"),
  };
}

export function pdfName(id: string, variant: Variant | "card", paper: Paper): string {
  return variant === "card" ? `${id}-${paper}` : `${id}-${variant}-${paper}`;
}

function papersFor(locale: Locale): Paper[] {
  const first = locale.region.meta.paper;
  return [first, ...PAPERS.filter((p) => p !== first)];
}

/** A QR code (inline SVG) and the short address of a page, for handouts. */
async function pageLink(baseUrl: string | undefined, url: string): Promise<{ svg: string; short: string } | undefined> {
  if (!baseUrl) return undefined;
  const full = new URL(url, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).href;
  const svg = await QRCode.toString(full, { type: "svg", margin: 0, errorCorrectionLevel: "M" });
  return { svg, short: full.replace(/^https?:\/\//, "") };
}

export async function buildModel(kit: Kit, options: BuildOptions = {}): Promise<SiteModel> {
  const site: Entry[] = [];
  const print: Entry[] = [];
  const pdfs: PdfJob[] = [];
  const locales = kit.locales.filter((l) => !options.locales || options.locales.includes(l.code));
  const byCode = new Map(kit.locales.map((l) => [l.code, l]));

  for (const locale of locales) {
    const t = translator(locale.strings, locale.code);
    const env = markdownEnv(locale, t);
    const region = locale.region;
    // The footer's line is the one to call first: it answers at any hour.
    const firstId = region.roles.get("call-first")?.[0];
    const mainLine = firstId ? locale.lines.get(firstId) : undefined;
    const mainLineText = mainLine ? `${mainLine.short} ${contactText(mainLine.contacts[0])}` : "";
    const papers = papersFor(locale);
    const common = {
      lang: locale.meta.language,
      dir: locale.meta.dir,
      locale: locale.code,
      strings: locale.strings,
      kitTitle: kit.config.title,
      localeName: locale.meta.name,
      checked: region.meta.checked,
      quickExitUrl: kit.config.quickExitUrl,
      school: kit.config.school ?? {},
      homeHref: `${locale.code}/index.html`,
      helpHref: `${locale.code}/help.html`,
      searchHref: `${locale.code}/search.html`,
    };
    const source = locale.meta.source ? byCode.get(locale.meta.source) : undefined;
    /** What a reader must be told about a lesson's language and review, in this locale's words. */
    const noticesFor = (lesson: Lesson): string[] => {
      const status = statusOf(lesson, source);
      const notes: string[] = [];
      if (status.state === "missing") notes.push(t("translation.missing", { language: byCode.get(status.from ?? "")?.meta.name ?? status.from ?? "" }));
      if (status.state === "untranslated") notes.push(t("translation.untranslated"));
      if (status.state === "draft") notes.push(t("translation.draft"));
      if (status.state === "reviewed") notes.push(t("translation.reviewed", { reviewer: status.reviewer ?? "" }));
      if (status.outdated) notes.push(t("translation.outdated"));
      return notes;
    };
    const contentLangOf = (lesson: Lesson) =>
      lesson.fallbackFrom && byCode.get(lesson.fallbackFrom)?.meta.language !== locale.meta.language
        ? byCode.get(lesson.fallbackFrom)?.meta.language
        : undefined;
    const lessonUrl = (id: string) => `${locale.code}/lessons/${id}.html`;
    const pdfUrl = (name: string) => `pdf/${locale.code}/${name}.pdf`;
    const messageLabels = (lesson: Lesson) => lesson.meta.messages.map((id) => ({ id, label: t(`message.${id}`) }));

    const downloads = (variants: (Variant | "card")[], id: string) =>
      variants.map((variant) => ({
        label: t(variant === "card" ? "variant.card" : `variant.${variant}`),
        links: papers.map((paper) => ({ paper: t(`paper.${paper}`), href: pdfUrl(pdfName(id, variant, paper)) })),
      }));

    const footer = t("pdf.footer", { title: kit.config.title, line: mainLineText });
    const booklet: Record<string, unknown>[] = [];
    const sectionStems: string[] = [];
    const printEntry = (name: string, paper: Paper, kind: string, title: string, data: Record<string, unknown>) => {
      const url = `print/${locale.code}/${name}.html`;
      print.push({ ...common, ...data, url, base: baseFor(url), kind, title, paper, paperCss: `assets/paper-${paper}.css`, footerContent: footerContent(footer) });
      return url;
    };
    const addPrint = (stem: string, kind: string, title: string, data: Record<string, unknown>, lesson?: Lesson) => {
      // A booklet section is the very same page as the handout, so it takes
      // the same number of pages: that is how the contents get numbered.
      if (lesson) {
        booklet.push({ ...common, ...data, kind, title, sectionId: `s-${stem}` });
        sectionStems.push(stem);
      }
      for (const paper of papers) {
        const name = `${stem}-${paper}`;
        const url = printEntry(name, paper, kind, title, data);
        pdfs.push({
          name,
          locale: locale.code,
          lang: locale.meta.language,
          html: url,
          pdf: pdfUrl(name),
          paper,
          title,
        });
      }
    };

    const sorted = [...locale.lessons].sort(
      (a, b) => BANDS.indexOf(a.meta.band) - BANDS.indexOf(b.meta.band) || a.meta.order - b.meta.order,
    );
    const bandUrl = (band: Band) => `${locale.code}/bands/${band}.html`;
    const bands = BANDS.map((band: Band) => {
      const lessons = sorted
        .filter((l) => l.meta.band === band)
        .map((l) => ({
          id: l.id,
          title: l.meta.title,
          href: lessonUrl(l.id),
          minutes: t("lesson.minutes", { minutes: l.meta.duration }),
          messages: messageLabels(l),
          summary: l.meta.summary,
          notice: noticesFor(l).join(" "),
        }));
      return { id: band, label: t(`band.${band}`), href: bandUrl(band), count: t("index.count", { count: lessons.length }), intro: t("band.intro"), lessons };
    }).filter((b) => b.lessons.length);

    const indexData = { ...common, kind: "index", title: t("index.title"), bands, indexed: false };
    site.push({ ...indexData, url: `${locale.code}/index.html`, base: "../" });
    if (locale.code === kit.config.defaultLocale) site.push({ ...indexData, url: "index.html", base: "" });
    for (const band of bands) {
      const url = band.href;
      site.push({ ...common, kind: "band", title: band.label, band, url, base: baseFor(url), indexed: false });
    }
    site.push({ ...common, kind: "search", title: t("search.title"), url: `${locale.code}/search.html`, base: "../", indexed: false });

    const helpLines = helplineListHtml(region.meta.crisis.length ? region.meta.crisis : region.meta.default, env);
    const helpData = { steps: stringList(locale.strings, "help.steps"), helpLines, link: await pageLink(options.baseUrl, `${locale.code}/help.html`) };
    site.push({
      ...common,
      ...helpData,
      kind: "help",
      title: t("help.title"),
      url: `${locale.code}/help.html`,
      base: "../",
      downloads: downloads(["card"], CRISIS_CARD),
      privacySteps: stringList(locale.strings, "help.privacy.steps"),
      indexed: true,
    });
    addPrint(CRISIS_CARD, "print-card", t("help.title"), helpData);

    for (const lesson of sorted) {
      const html = markdown().render(lesson.body, env);
      const inBand = sorted.filter((l) => l.meta.band === lesson.meta.band);
      const pos = inBand.indexOf(lesson);
      const near = (l: Lesson | undefined) => (l ? { title: l.meta.title, href: lessonUrl(l.id) } : undefined);
      const data = {
        lesson: {
          id: lesson.id,
          title: lesson.meta.title,
          band: t(`band.${lesson.meta.band}`),
          minutes: t("lesson.minutes", { minutes: lesson.meta.duration }),
          messages: messageLabels(lesson),
          summary: lesson.meta.summary,
          goals: lesson.meta.goals,
          materials: lesson.meta.materials,
          family: lesson.meta.family,
          html,
        },
        downloads: downloads(lesson.variants, lesson.id),
        prev: near(inBand[pos - 1]),
        next: near(inBand[pos + 1]),
        bandHref: bandUrl(lesson.meta.band),
        notices: noticesFor(lesson),
        contentLang: contentLangOf(lesson),
      };
      const url = lessonUrl(lesson.id);
      site.push({ ...common, ...data, kind: "lesson", title: lesson.meta.title, url, base: baseFor(url), indexed: true });
      const link = await pageLink(options.baseUrl, url);
      for (const variant of lesson.variants) {
        const extra: Record<string, unknown> = { variantLabel: t(`variant.${variant}`), link };
        if (variant === "family") {
          extra.messagesHtml = renderBlocks(lesson.body, env, ["message"]);
          extra.helpLines = helplineListHtml(region.meta.default, env);
        }
        if (variant === "worksheet") extra.worksheetHtml = renderBlocks(lesson.body, env, ["worksheet", "card"]);
        const title = t("handout.title", { title: lesson.meta.title, variant: t(`variant.${variant}`) });
        addPrint(`${lesson.id}-${variant}`, `print-${variant === "guide" ? "plan" : variant}`, title, { ...data, ...extra }, lesson);
      }
    }

    // The whole kit as one booklet: cover, contents, then every handout in
    // order, printed in parts. The contents list a fixed number of entries
    // per page, so its length is known; render-pdf fills in the page
    // numbers. Sections in later parts get stand-in anchors in the first,
    // so that its contents links exist; joining points them at the section.
    const contents = booklet.map((section) => ({ id: section.sectionId, title: section.title }));
    const contentPages = chunk(contents, CONTENTS_PER_PAGE);
    const groups = chunk(booklet, Math.max(1, options.bookletPartSections ?? BOOKLET_PART_SECTIONS));
    const later = booklet.slice(groups[0]?.length ?? 0).map((section) => section.sectionId);
    const bookletTitle = t("booklet.title", { title: kit.config.title });
    const partData = (sections: unknown[]) => ({ sections, localeName: locale.meta.name });
    addPrint(BOOKLET, "print-booklet", bookletTitle, { ...partData(groups[0] ?? []), cover: true, contentPages, standIns: later, checked: region.meta.checked });
    for (const job of pdfs.filter((j) => j.name === `${BOOKLET}-${j.paper}` && j.locale === locale.code)) {
      const rest = groups.slice(1).map((group, i) => ({
        html: printEntry(`${BOOKLET}-${job.paper}-part${i + 2}`, job.paper, "print-booklet", bookletTitle, partData(group)),
        sections: group.length,
      }));
      job.booklet = {
        sections: sectionStems.map((stem) => pdfUrl(`${stem}-${job.paper}`)),
        anchors: booklet.map((section) => String(section.sectionId)),
        before: 1 + contentPages.length,
        parts: [{ html: job.html, sections: groups[0]?.length ?? 0 }, ...rest],
        footer,
      };
    }
  }
  linkAlternates(site);
  return { site, print, pdfs };
}

/** Each page links the same page in every other locale (hreflang alternates). */
function linkAlternates(site: Entry[]): void {
  const urls = new Set(site.map((e) => e.url));
  const locales = [...new Map(site.map((e) => [e.locale, { code: e.locale, lang: e.lang, name: String((e as { localeName?: string }).localeName ?? e.locale) }])).values()];
  for (const entry of site) {
    const key = entry.url === "index.html" ? "index.html" : entry.url.slice(entry.locale.length + 1);
    entry.alternates = locales
      .filter((l) => urls.has(`${l.code}/${key}`))
      .map((l) => ({ ...l, href: `${l.code}/${key}`, current: l.code === entry.locale }));
  }
}
