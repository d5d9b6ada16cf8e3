// Stage 3: turn the validated kit into what the templates show: one typed
// entry per web page and per print page, and one job per PDF. All URLs are
// relative, so the site works from file://, from a sub-path and offline.
// Every locale is modelled, even in a one-locale build, so that the
// language switcher and hreflang alternates always know the whole kit.
import type Token from "markdown-it/lib/token.mjs";
import QRCode from "qrcode";
import { iconSvg } from "./icons.ts";
import { blocksFor } from "../core/blocks.ts";
import { contactHref, contactHtml, contactText, escapeHtml } from "../core/contacts.ts";
import { bandVariants, BOOKLET, HANDOUTS, handoutStem, LOCALE_VARIANTS, type HandoutKind, type LessonVariant, type Variant } from "../core/handouts.ts";
import { blockParams, helplineListHtml, linesFor, markdown, type MarkdownEnv } from "../core/markdown.ts";
import { isLineRole, type LineRole } from "../core/roles.ts";
import { BANDS, PAPERS, type Band, type Paper } from "../core/schema.ts";
import { stringList, translator, type Translate } from "../core/strings.ts";
// guided.ts lays out the pages added for the worst moment (guided path,
// parents, 404); it uses this module's helpers only when called.
import { contentsOf, linkDefault, linkGuided, notFoundPage, nowPages, parentPages, type NowLinks, type NowView, type ParentLink, type ParentView } from "./guided.ts";
import { statusOf } from "./translations.ts";
import type { Kit, Lesson, Locale } from "./validate.ts";
import { footerContent } from "./print-footer.ts";

export { BOOKLET };

export interface BuildOptions {
  /** Public address of the site, for QR codes and absolute links. */
  baseUrl?: string;
  /** Build only these locales (the others are still modelled, for links to them). */
  locales?: string[];
  /** Handouts per booklet part (tests set it low to join parts on a small kit). */
  bookletPartSections?: number;
  /** The edition date the booklet's cover prints: the build date. */
  date?: Date;
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
  /** The registry's handout kind, or the booklet. */
  variant: Variant | typeof BOOKLET;
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

export interface Alternate {
  code: string;
  lang: string;
  name: string;
  href: string;
  current: boolean;
}

/** What every page and print page of a locale shares. */
interface LocaleCommon {
  lang: string;
  dir: string;
  locale: string;
  strings: Locale["strings"];
  kitTitle: string;
  localeName: string;
  checked: string;
  quickExitUrl: string;
  school: NonNullable<Kit["config"]["school"]>;
  homeHref: string;
  helpHref: string;
  searchHref: string;
  /** Set while a translated or adapted locale is not reviewed: every page and handout says so. */
  localeNotice?: string;
}

interface Placed {
  url: string;
  /** Relative path from this page back to the site root ("" or "../"...). */
  base: string;
  title: string;
}

export interface Download {
  label: string;
  /** `missing`: a site-only build does not have this PDF, so the page says so instead of linking it. */
  links: { paper: string; href: string; missing?: boolean }[];
}

export interface LessonSummary {
  id: string;
  title: string;
  href: string;
  minutes: string;
  messages: { id: string; label: string }[];
  summary: string;
  notice: string;
}

export interface BandView {
  id: Band;
  label: string;
  href: string;
  count: string;
  intro: string;
  lessons: LessonSummary[];
  /** The band's own handouts (conversation cards), from the registry. */
  downloads: Download[];
}

/** A lesson as its page and its handouts show it. */
export interface LessonView {
  lesson: {
    id: string;
    title: string;
    band: string;
    minutes: string;
    messages: { id: string; label: string }[];
    summary: string;
    goals: string[];
    materials: string[];
    family?: Lesson["meta"]["family"];
    html: string;
    /** Jump links to the body's `##` headings, shown at the top of the page. */
    contents: { id: string; text: string }[];
    /** An adult guide: its page drops the teacher-only labels (band, learning goals). */
    adult: boolean;
  };
  downloads: Download[];
  prev?: { title: string; href: string };
  next?: { title: string; href: string };
  bandHref: string;
  notices: string[];
  contentLang?: string;
}

/** A heading and its downloads, on the locale's downloads page. */
export interface DownloadGroup {
  title: string;
  downloads: Download[];
}

/** A band's conversation cards: one opener a card, from the band's lessons. */
export interface CardsData {
  variantLabel: string;
  bandLabel: string;
  cards: { text: string; lesson: string }[];
}

export interface PageLink {
  svg: string;
  short: string;
}

/** A help line as the help page shows it: name as a heading, what it is for, how to reach it. */
export interface HelpLineView {
  id: string;
  name: string;
  for: string;
  hours?: string;
  /** Each contact as "Call: <a>number</a>" HTML. */
  contacts: string[];
  /** The region's call-first line. */
  first: boolean;
  /** The region's line for money already paid. */
  paid: boolean;
  /** Source and confidence: a small note, never the first thing read. */
  note: string;
}

/** A line named by its role, as a path on the help page points to it. */
export interface LinePointer {
  short: string;
  contacts: string[];
}

/** What the web help page shows besides the card's steps and lines. */
export interface HelpPage {
  /** "In danger now? Call 999": the emergency role's first phone number. */
  emergency?: { text: string; href: string };
  callFirst?: LinePointer;
  moneyPaid?: LinePointer;
  adultSteps: string[];
  /** The adult guide on a disclosure, or the adults' band page. */
  guide?: { title: string; href: string };
  lines: HelpLineView[];
}

/** A group of the crisis poster: what the reader needs, and the lines for it. */
export interface CardGroup {
  id: string;
  heading: string;
  lines: string;
}

/** One line of the folded wallet card: what it is for, its short name and up to two ways to reach it. */
export interface WalletLine {
  role: string;
  name: string;
  contacts: { kind: string; text: string; number: boolean }[];
}

interface HelpData {
  steps: string[];
  helpLines: string;
  link?: PageLink;
  /** The poster's lines, grouped by need (print-card). */
  groups: CardGroup[];
  /** The poster left lines out for want of room: they are on the help page. */
  more: boolean;
  /** The wallet card's lines, at most three (print-wallet). */
  wallet: WalletLine[];
}

/** One web page: the union is keyed by `kind`, the partial that lays it out. */
export type SiteEntry = LocaleCommon &
  Placed & { indexed: boolean; alternates?: Alternate[]; /** The default locale's page, for hreflang x-default. */ xDefault?: string; now?: NowLinks } & (
    | { kind: "index"; bands: BandView[]; booklet: Download; downloadsHref: string; parents?: ParentLink[] }
    | { kind: "band"; band: BandView }
    | { kind: "search"; bands: BandView[]; searchLabels: string }
    | ({ kind: "help"; downloads: Download[]; privacySteps: string[]; page: HelpPage } & HelpData)
    | { kind: "kit-downloads"; groups: DownloadGroup[] }
    | ({ kind: "lesson" } & LessonView)
    | ({ kind: "now" } & NowView)
    | ({ kind: "parent" } & ParentView)
    | { kind: "notfound" }
  );

/** A lesson handout's data: the lesson, and the blocks the registry shows on it. */
export type HandoutData = LessonView & {
  variantLabel: string;
  link?: PageLink;
  /** The lesson's blocks this handout shows (core/blocks.ts), in body order, cards apart. */
  blocksHtml: string;
  /** Its cut-out cards, on sheets of their own after the rest. */
  cardsHtml: string;
  /** The region's default lines. */
  helpLines: string;
  /** Family sheets: what a parent does if their child tells them. */
  familySteps?: string[];
};

/** What a handout section of the booklet shows: the handout itself, unplaced. */
export type Section = LocaleCommon & { kind: string; title: string; sectionId: string } & (HandoutData | HelpData | CardsData);

/**
 * One line of the booklet's contents: a band's heading, a lesson's title
 * (its handouts follow, by kind, so no line runs too long to fit), or a
 * section with its page number.
 */
export type ContentsLine = { heading: string } | { lesson: string } | { id: string; title: string; inLesson: boolean };

interface BookletData {
  sections: Section[];
  cover?: BookletCover;
  contentPages?: ContentsLine[][];
  standIns?: string[];
}

interface BookletCover {
  edition: string;
  link?: PageLink;
}

/** One print page: keyed by `kind`, the print template from the handout registry. */
export type PrintEntry = LocaleCommon &
  Placed & { paper: Paper; paperCss: string; footerContent: string } & (
    | ({ kind: "print-plan" | "print-family" | "print-worksheet" | "print-letter" } & HandoutData)
    | ({ kind: "print-cards" } & CardsData)
    | ({ kind: "print-card" | "print-wallet" } & HelpData)
    | ({ kind: "print-booklet" } & BookletData)
  );

export interface SiteModel {
  site: SiteEntry[];
  print: PrintEntry[];
  pdfs: PdfJob[];
}

/**
 * Contents lines per page (band headings and sections alike), so the
 * contents' length is known before printing. 32 lines of 6.5 mm (print.css)
 * take 208 mm, inside Letter's content box with the heading: the default
 * kit's ~60 lines fill two pages, where 28 left a page of four lines.
 */
export const CONTENTS_PER_PAGE = 32;
/**
 * Handouts per booklet part. Chromium needs about 1 MB a page to print, so
 * a booklet is printed in parts of this many handouts (about 150 pages)
 * and joined (pdf/merge.ts). The default kit (43 handouts with its letters,
 * cards and crisis card) prints in two.
 */
export const BOOKLET_PART_SECTIONS = 32;

/**
 * Contents lines in pages of CONTENTS_PER_PAGE. A band's heading never
 * ends a page: it moves to the next, with its first section.
 */
export function contentsPages(lines: readonly ContentsLine[], perPage = CONTENTS_PER_PAGE): ContentsLine[][] {
  const pages: ContentsLine[][] = [[]];
  lines.forEach((line, i) => {
    let page = pages.at(-1)!;
    // A band heading followed by a lesson title needs two lines to be of use.
    const room = "heading" in line && "lesson" in (lines[i + 1] ?? {}) ? 3 : "heading" in line || "lesson" in line ? 2 : 1;
    const strands = room > 1 && page.length + room > perPage && i + 1 < lines.length;
    if (page.length === perPage || strands) pages.push((page = []));
    page.push(line);
  });
  return pages.filter((p) => p.length);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function baseFor(url: string): string {
  return "../".repeat(url.split("/").length - 1);
}

/** Renders only the blocks named, in body order: cards and worksheets for the worksheet. */
/** The named blocks of a lesson's parsed body (lessonPages parses each body once: it was most of the model's time). */
function renderBlocks(tokens: readonly Token[], env: MarkdownEnv, names: readonly string[]): string {
  const md = markdown();
  const picked: Token[] = [];
  let inside = false;
  for (const token of tokens) {
    if (token.type.startsWith("container_") && token.nesting === 1) inside = names.includes(blockParams(token.info).name);
    if (inside) picked.push(token);
    if (token.type.startsWith("container_") && token.nesting === -1) inside = false;
  }
  return md.renderer.render(picked, md.options, env);
}

export function pdfName(stem: string, paper: Paper): string {
  return `${stem}-${paper}`;
}

/** A QR code (inline SVG) and the short address of a page, for handouts. */
async function pageLink(baseUrl: string | undefined, url: string): Promise<PageLink | undefined> {
  if (!baseUrl) return undefined;
  const full = new URL(url, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).href;
  const svg = await QRCode.toString(full, { type: "svg", margin: 0, errorCorrectionLevel: "M" });
  return { svg, short: full.replace(/^https?:\/\//, "") };
}

/** Everything about one locale that its pages and handouts are made with. */
export class LocaleModel {
  readonly t: Translate;
  readonly env: MarkdownEnv;
  readonly common: LocaleCommon;
  readonly papers: Paper[];
  readonly footer: string;
  readonly sorted: Lesson[];
  /** Booklet sections, in teaching order, with the stem of the handout each one is, its band and how the contents name it. */
  readonly booklet: { section: Section; stem: string; band?: Band; contents: { lesson?: string; label: string } }[] = [];

  constructor(
    readonly kit: Kit,
    readonly locale: Locale,
    readonly byCode: ReadonlyMap<string, Locale>,
    readonly out: SiteModel,
    readonly options: BuildOptions,
  ) {
    const t = translator(locale.strings, locale.code);
    this.t = t;
    this.env = {
      lines: locale.lines,
      roles: locale.region.roles,
      school: locale.school,
      defaultLines: locale.region.meta.default,
      t,
      disclosureSteps: stringList(locale.strings, "disclosure.steps"),
      dialing: { callingCode: locale.region.meta.callingCode, trunkPrefix: locale.region.meta.trunkPrefix },
      icon: iconSvg,
    };
    this.common = {
      lang: locale.meta.language,
      dir: locale.meta.dir,
      locale: locale.code,
      strings: locale.strings,
      kitTitle: kit.config.title,
      localeName: locale.meta.name,
      checked: locale.region.meta.checked,
      quickExitUrl: kit.config.quickExitUrl,
      school: kit.config.school ?? {},
      homeHref: `${locale.code}/index.html`,
      helpHref: `${locale.code}/help.html`,
      searchHref: `${locale.code}/search.html`,
      localeNotice: localeNotice(locale, t),
    };
    const first = locale.region.meta.paper;
    this.papers = [first, ...PAPERS.filter((p) => p !== first)];
    // The footer's line is the one to call first: it answers at any hour.
    const firstId = locale.region.roles.get("call-first")?.[0];
    const line = firstId ? locale.lines.get(firstId) : undefined;
    this.footer = t("pdf.footer", { title: kit.config.title, line: line ? `${line.short} ${contactText(line.contacts[0])}` : "" });
    this.sorted = [...locale.lessons].sort((a, b) => BANDS.indexOf(a.meta.band) - BANDS.indexOf(b.meta.band) || a.meta.order - b.meta.order);
  }

  lessonUrl = (id: string) => `${this.locale.code}/lessons/${id}.html`;
  bandUrl = (band: Band) => `${this.locale.code}/bands/${band}.html`;
  pdfUrl = (name: string) => `pdf/${this.locale.code}/${name}.pdf`;
  messageLabels = (lesson: Lesson) => lesson.meta.messages.map((id) => ({ id, label: this.t(`message.${id}`) }));

  /** `owner`: the lesson id or band, for lesson and band handouts. */
  downloads(variants: readonly Variant[], owner?: string): Download[] {
    return variants.map((variant) => ({
      label: this.t(`variant.${variant}`),
      links: this.papers.map((paper) => ({ paper: this.t(`paper.${paper}`), href: this.pdfUrl(pdfName(handoutStem(variant, owner), paper)) })),
    }));
  }

  bookletDownload(): Download {
    return {
      label: this.t("booklet.title", { title: this.kit.config.title }),
      links: this.papers.map((paper) => ({ paper: this.t(`paper.${paper}`), href: this.pdfUrl(pdfName(BOOKLET, paper)) })),
    };
  }

  /** What a reader must be told about a lesson's language and review, in this locale's words. */
  noticesFor(lesson: Lesson): string[] {
    const { t, byCode } = this;
    const source = this.locale.meta.source ? byCode.get(this.locale.meta.source) : undefined;
    const status = statusOf(lesson, source);
    const adaptation = lesson.meta.translation?.kind === "adaptation";
    const notes: string[] = [];
    if (status.state === "missing") notes.push(t("translation.missing", { language: byCode.get(status.from ?? "")?.meta.name ?? status.from ?? "" }));
    if (status.state === "untranslated") notes.push(t("translation.untranslated"));
    if (status.state === "draft") notes.push(t(adaptation ? "translation.adaptation.draft" : "translation.draft"));
    if (status.state === "reviewed") notes.push(t(adaptation ? "translation.adaptation.reviewed" : "translation.reviewed", { reviewer: status.reviewer ?? "" }));
    if (status.outdated) notes.push(t("translation.outdated"));
    return notes;
  }

  contentLangOf(lesson: Lesson): string | undefined {
    const from = lesson.fallbackFrom ? this.byCode.get(lesson.fallbackFrom) : undefined;
    return from && from.meta.language !== this.locale.meta.language ? from.meta.language : undefined;
  }

  /** A print page for each paper, and its PDF job; booklet sections are recorded as they come. */
  /** `lesson`: the lesson a handout belongs to, under whose title the contents list it by its kind. */
  addPrint(stem: string, variant: Variant, title: string, shown: HandoutData | HelpData | CardsData, band?: Band, lesson?: string): void {
    const kind = HANDOUTS[variant].template;
    const data = printable(shown);
    if ((HANDOUTS[variant] as HandoutKind).inBooklet) {
      // A booklet section is the very same page as the handout, so it takes
      // the same number of pages: that is how the contents get numbered.
      const contents = lesson ? { lesson, label: this.t(`variant.${variant}`) } : { label: band ? this.t(`variant.${variant}`) : title };
      this.booklet.push({ section: { ...this.common, ...data, kind, title, sectionId: `s-${stem}` } as Section, stem, band, contents });
    }
    for (const paper of this.papers) {
      const url = this.placePrint(pdfName(stem, paper), paper, { kind, title, ...data } as PrintBody);
      this.addJob(pdfName(stem, paper), url, paper, title, variant);
    }
  }

  placePrint(name: string, paper: Paper, body: PrintBody): string {
    const url = `print/${this.locale.code}/${name}.html`;
    const entry = { ...this.common, ...body, url, base: baseFor(url), paper, paperCss: `assets/paper-${paper}.css`, footerContent: footerContent(this.footer) };
    this.out.print.push(entry as PrintEntry);
    return url;
  }

  addJob(name: string, html: string, paper: Paper, title: string, variant: PdfJob["variant"]): PdfJob {
    const job: PdfJob = { name, locale: this.locale.code, lang: this.locale.meta.language, html, pdf: this.pdfUrl(name), paper, title, variant };
    this.out.pdfs.push(job);
    return job;
  }
}

/**
 * A page's data without its download links, for print: no handout shows
 * them, and they are shared with the web page, where markNotBuilt marks the
 * ones not built. Kept in, a mark would count as a change to what a PDF is
 * printed from (kit dev would print it again, and again).
 */
function printable<T extends object>(data: T): T {
  if (!("downloads" in data)) return data;
  const { downloads: _links, ...rest } = data as T & { downloads: unknown };
  return rest as T;
}

/**
 * A translated or adapted locale that is not wholly reviewed says so on
 * every page and handout, not only on its lessons: its help page, crisis
 * card and region texts are translated too.
 */
function localeNotice(locale: Locale, t: Translate): string | undefined {
  if (!locale.meta.source) return undefined;
  const records = locale.lessons.map((l) => l.meta.translation);
  if (records.length && records.every((r) => r?.status === "reviewed")) return undefined;
  const adapted = records.some((r) => r?.kind === "adaptation");
  return t(adapted ? "locale.adaptation.draft" : "locale.draft");
}

type PrintBody = { kind: PrintEntry["kind"]; title: string } & (HandoutData | HelpData | CardsData | BookletData);

export function bandViews(m: LocaleModel): BandView[] {
  return BANDS.map((band) => {
    const lessons = m.sorted
      .filter((l) => l.meta.band === band)
      .map((l) => ({
        id: l.id,
        title: l.meta.title,
        href: m.lessonUrl(l.id),
        minutes: m.t("lesson.minutes", { minutes: l.meta.duration }),
        messages: m.messageLabels(l),
        summary: l.meta.summary,
        notice: m.noticesFor(l).join(" "),
      }));
    return {
      id: band,
      label: m.t(`band.${band}`),
      href: m.bandUrl(band),
      count: m.t("index.count", { count: lessons.length }),
      intro: m.t("band.intro"),
      lessons,
      downloads: m.downloads(bandVariants(band), band),
    };
  }).filter((b) => b.lessons.length);
}

/**
 * Pagefind UI's labels (its `translations` option) in the locale's words:
 * it has no Malay of its own, and would fall back to English.
 */
function searchLabels(t: Translate): Record<string, string> {
  const vars = { term: "[SEARCH_TERM]", count: "[COUNT]", other: "[DIFFERENT_TERM]" };
  const keys = {
    placeholder: "placeholder",
    clear_search: "clear",
    load_more: "more",
    search_label: "label",
    filters_label: "filters",
    zero_results: "none",
    many_results: "many",
    one_result: "one",
    alt_search: "instead",
    search_suggestion: "suggest",
    searching: "searching",
  };
  return Object.fromEntries(Object.entries(keys).map(([option, key]) => [option, t(`search.ui.${key}`, vars)]));
}

/** The first line filling a role in the locale's region, with its contacts as links. */
export function pointer(m: LocaleModel, role: LineRole): LinePointer | undefined {
  const id = m.locale.region.roles.get(role)?.[0];
  const line = id ? m.locale.lines.get(id) : undefined;
  if (!line || !line.contacts.length) return undefined;
  return { short: line.short, contacts: line.contacts.map((c) => contactHtml(c, m.t, m.env.dialing)) };
}

/** The "In danger now?" call: the emergency role's first number that can be dialled. */
export function emergencyCall(m: LocaleModel): HelpPage["emergency"] {
  const id = m.locale.region.roles.get("emergency")?.[0];
  const contact = (id ? m.locale.lines.get(id)?.contacts : undefined)?.find((c) => c.kind === "phone");
  const href = contact ? contactHref(contact, m.env.dialing) : undefined;
  return contact && href ? { text: m.t("help.danger.call", { number: contact.label ?? contact.value }), href } : undefined;
}

/** The help page's two paths, and its lines with the call-first and money-paid ones marked. */
function helpPage(m: LocaleModel, names: readonly string[], bands: BandView[]): HelpPage {
  const { t, locale } = m;
  const role = (r: LineRole) => locale.region.roles.get(r) ?? [];
  const checked = locale.region.meta.checked;
  const lines = linesFor(names, m.env).flatMap((id): HelpLineView[] => {
    const line = locale.lines.get(id);
    if (!line) return [];
    const contacts = line.contacts.length ? line.contacts.map((c) => contactHtml(c, t, m.env.dialing)) : [escapeHtml(t("helpline.unfilled"))];
    const confidence = t(`help.confidence.${line.confidence}`, { checked });
    const note = `${t("help.line.source", { source: line.source })} ${confidence}`;
    return [{ id, name: line.name, for: line.for, hours: line.hours, contacts, first: role("call-first")[0] === id, paid: role("money-paid").includes(id), note }];
  });
  const disclosure = m.sorted.find((l) => l.meta.band === "adults" && l.id.endsWith("when-a-child-tells-you"));
  const adults = bands.find((b) => b.id === "adults");
  const guide = disclosure ? { title: disclosure.meta.title, href: m.lessonUrl(disclosure.id) } : adults ? { title: adults.label, href: adults.href } : undefined;
  return {
    emergency: emergencyCall(m),
    callFirst: pointer(m, "call-first"),
    moneyPaid: pointer(m, "money-paid"),
    adultSteps: stringList(locale.strings, "help.adult.steps"),
    guide,
    lines,
  };
}

/** Home, band, search and help pages, and the crisis card. */
async function localePages(m: LocaleModel): Promise<void> {
  const { t, common, locale, kit } = m;
  const site = m.out.site;
  const bands = bandViews(m);
  const index = { ...common, kind: "index" as const, title: t("index.title"), bands, booklet: m.bookletDownload(), downloadsHref: `${locale.code}/downloads.html`, indexed: false };
  site.push({ ...index, url: `${locale.code}/index.html`, base: "../" });
  if (locale.code === kit.config.defaultLocale) site.push({ ...index, url: "index.html", base: "" });
  for (const band of bands) site.push({ ...common, kind: "band", title: band.label, band, url: band.href, base: baseFor(band.href), indexed: false });
  site.push({ ...common, kind: "search", title: t("search.title"), bands, searchLabels: JSON.stringify(searchLabels(t)), url: `${locale.code}/search.html`, base: "../", indexed: false });

  const region = locale.region.meta;
  const crisis = region.crisis.length ? region.crisis : region.default;
  const poster = posterGroups(m, crisis);
  const help: HelpData = {
    steps: stringList(locale.strings, "help.steps"),
    helpLines: helplineListHtml(crisis, m.env),
    link: await pageLink(m.options.baseUrl, `${locale.code}/help.html`),
    ...poster,
    wallet: walletLines(m),
  };
  site.push({
    ...common,
    ...help,
    kind: "help",
    title: t("help.title"),
    url: `${locale.code}/help.html`,
    base: "../",
    downloads: m.downloads(LOCALE_VARIANTS),
    privacySteps: stringList(locale.strings, "help.privacy.steps"),
    page: helpPage(m, crisis, bands),
    indexed: true,
  });
  for (const variant of LOCALE_VARIANTS) m.addPrint(handoutStem(variant), variant, variant === "card" ? t("help.title") : t("variant.wallet"), help);
}

/**
 * The crisis poster's groups, by what the reader needs. Its one page holds
 * POSTER_LINES lines at a readable size; when the region has more, each
 * role keeps its first line, in POSTER_PRIORITY order, before any role gets
 * a second, and the rest are left to the help page (its QR code, when the
 * site has an address).
 */
const POSTER_GROUPS: { id: string; roles: LineRole[] }[] = [
  { id: "danger", roles: ["emergency"] },
  { id: "talk", roles: ["call-first", "support"] },
  { id: "report", roles: ["report-crime", "report-online", "money-paid"] },
  { id: "take-down", roles: ["take-down"] },
];
const POSTER_PRIORITY: LineRole[] = ["emergency", "call-first", "report-crime", "report-online", "take-down", "support", "money-paid"];
export const POSTER_LINES = 6;

function posterGroups(m: LocaleModel, crisis: readonly string[]): Pick<HelpData, "groups" | "more"> {
  const roles = m.locale.region.roles;
  // The crisis list names roles and lines; each line goes with the first
  // role it fills there, or, named alone, with no role.
  const roleOf = new Map<string, LineRole | undefined>();
  for (const name of crisis) {
    const role = isLineRole(name) ? name : [...roles].find(([, ids]) => ids.includes(name))?.[0];
    for (const id of isLineRole(name) ? (roles.get(name) ?? []) : [name]) if (m.locale.lines.has(id) && !roleOf.has(id)) roleOf.set(id, role);
  }
  const idsOf = (role: LineRole | undefined) => [...roleOf].filter(([, r]) => r === role).map(([id]) => id);
  const byRole = POSTER_PRIORITY.map(idsOf);
  const rounds = Math.max(0, ...byRole.map((ids) => ids.length));
  const ordered = [...Array.from({ length: rounds }, (_, i) => byRole.flatMap((ids) => ids.slice(i, i + 1))).flat(), ...idsOf(undefined)];
  const kept = new Set(ordered.slice(0, POSTER_LINES));
  const groups: CardGroup[] = [...POSTER_GROUPS, { id: "other", roles: [] }].flatMap((group) => {
    const ids = (group.id === "other" ? idsOf(undefined) : group.roles.flatMap(idsOf)).filter((id) => kept.has(id));
    const heading = m.t(group.id === "other" ? "help.lines" : `card.group.${group.id}`);
    return ids.length ? [{ id: group.id, heading, lines: helplineListHtml(ids, m.env) }] : [];
  });
  return { groups, more: ordered.length > kept.size };
}

/**
 * The wallet card's three lines, from the region's roles: the line to
 * call first, the emergency number and one reporting route. A child carries
 * it, so it names lines only, never what they are for.
 */
function walletLines(m: LocaleModel): WalletLine[] {
  const roles = m.locale.region.roles;
  // A line with contacts first; an empty slot (kit new-locale) still shows, as a gap.
  const first = (...names: LineRole[]) => {
    const ids = names.flatMap((r) => roles.get(r) ?? []).filter((id) => m.locale.lines.has(id));
    return ids.find((id) => m.locale.lines.get(id)!.contacts.length) ?? ids[0];
  };
  const picks: [string, string | undefined][] = [
    ["talk", first("call-first")],
    ["danger", first("emergency")],
    ["report", first("report-online", "report-crime")],
  ];
  const seen = new Set<string>();
  return picks.flatMap(([role, id]) => {
    const line = id && !seen.has(id) ? m.locale.lines.get(id) : undefined;
    if (!line || !id) return [];
    seen.add(id);
    // A bare number is one word: it never wraps on the card (a label such as "1-800-THE-LOST" may).
    const contacts = line.contacts.length
      ? line.contacts.slice(0, 2).map((c) => ({ kind: m.t(`contact.${c.kind}`), text: contactText(c), number: !c.label && ["phone", "sms", "whatsapp"].includes(c.kind) }))
      : [{ kind: "", text: m.t("helpline.unfilled"), number: false }];
    return [{ role: m.t(`card.group.${role}`), name: line.short, contacts }];
  });
}

/** A lesson's page, and its handouts as the registry lists them for it. */
async function lessonPages(m: LocaleModel, lesson: Lesson): Promise<void> {
  const { t } = m;
  const inBand = m.sorted.filter((l) => l.meta.band === lesson.meta.band);
  const pos = inBand.indexOf(lesson);
  const near = (l: Lesson | undefined) => (l ? { title: l.meta.title, href: m.lessonUrl(l.id) } : undefined);
  // Parsed once; the page, its contents and every handout's blocks render from these tokens.
  const md = markdown();
  const tokens = md.parse(lesson.body, m.env);
  const view: LessonView = {
    lesson: {
      id: lesson.id,
      title: lesson.meta.title,
      band: t(`band.${lesson.meta.band}`),
      minutes: t("lesson.minutes", { minutes: lesson.meta.duration }),
      messages: m.messageLabels(lesson),
      summary: lesson.meta.summary,
      goals: lesson.meta.goals,
      materials: lesson.meta.materials,
      family: lesson.meta.family,
      html: md.renderer.render(tokens, md.options, m.env),
      contents: contentsOf(tokens),
      adult: lesson.meta.band === "adults",
    },
    downloads: m.downloads(lesson.variants, lesson.id),
    prev: near(inBand[pos - 1]),
    next: near(inBand[pos + 1]),
    bandHref: m.bandUrl(lesson.meta.band),
    notices: m.noticesFor(lesson),
    contentLang: m.contentLangOf(lesson),
  };
  const url = m.lessonUrl(lesson.id);
  m.out.site.push({ ...m.common, ...view, kind: "lesson", title: lesson.meta.title, url, base: baseFor(url), indexed: true });
  const link = await pageLink(m.options.baseUrl, url);
  const helpLines = helplineListHtml(m.locale.region.meta.default, m.env);
  for (const variant of lesson.variants) {
    const shown = blocksFor(variant);
    const cardsHtml = shown.includes("card") ? renderBlocks(tokens, m.env, ["card"]) : "";
    const blocksHtml = renderBlocks(tokens, m.env, shown.filter((name) => name !== "card"));
    const data: HandoutData = { ...view, variantLabel: t(`variant.${variant}`), link, blocksHtml, cardsHtml, helpLines };
    if (variant === "family") data.familySteps = stringList(m.locale.strings, "family.tells.steps");
    m.addPrint(handoutStem(variant, lesson.id), variant, t("handout.title", { title: lesson.meta.title, variant: t(`variant.${variant}`) }), data, lesson.meta.band, lesson.meta.title);
  }
}

/** A band's own handouts: conversation cards, one opener a card, from its lessons' family starters. */
function bandPages(m: LocaleModel, band: Band): void {
  const lessons = m.sorted.filter((l) => l.meta.band === band);
  if (!lessons.length) return;
  const bandLabel = m.t(`band.${band}`);
  for (const variant of bandVariants(band)) {
    const cards = lessons.flatMap((l) => (l.meta.family?.starters ?? []).map((text) => ({ text, lesson: l.meta.title })));
    const variantLabel = m.t(`variant.${variant}`);
    m.addPrint(handoutStem(variant, band), variant, m.t("handout.title", { title: variantLabel, variant: bandLabel }), { variantLabel, bandLabel, cards }, band);
  }
}

/** Every handout of the locale on one page, by band, with the booklet first. */
function downloadsPage(m: LocaleModel): void {
  const { t, locale } = m;
  const groups: DownloadGroup[] = [{ title: t("downloads.whole"), downloads: [m.bookletDownload(), ...m.downloads(["card"])] }];
  for (const band of bandViews(m)) {
    const lessons = m.sorted.filter((l) => l.meta.band === band.id);
    const perLesson = lessons.flatMap((l) => m.downloads(l.variants, l.id).map((d) => ({ ...d, label: `${l.meta.title}: ${d.label}` })));
    groups.push({ title: band.label, downloads: [...band.downloads, ...perLesson] });
  }
  const url = `${locale.code}/downloads.html`;
  m.out.site.push({ ...m.common, kind: "kit-downloads", title: t("downloads.title"), groups, url, base: baseFor(url), indexed: false });
}

/**
 * The whole kit as one booklet: cover, contents by band, every handout in
 * teaching order band by band, and the locale's own handouts (the crisis
 * card) at the end; printed in parts. The contents list a fixed number of
 * lines per page, so its length is known; render-pdf fills in the page
 * numbers. Sections in later parts get stand-in anchors in the first, so
 * that its contents links exist; joining points them at the section.
 */
async function bookletJobs(m: LocaleModel): Promise<void> {
  // Stable: sections keep teaching order within a band.
  const ordered = [...m.booklet].sort((a, b) => rank(a.band) - rank(b.band));
  const sections = ordered.map((b) => b.section);
  const contentPages = contentsPages(contentsLines(m, ordered));
  const groups = chunk(sections, Math.max(1, m.options.bookletPartSections ?? BOOKLET_PART_SECTIONS));
  const standIns = sections.slice(groups[0]?.length ?? 0).map((s) => s.sectionId);
  const title = m.t("booklet.title", { title: m.kit.config.title });
  const cover: BookletCover = { edition: editionDate(m.options.date ?? new Date(), m.locale.code), link: await pageLink(m.options.baseUrl, `${m.locale.code}/index.html`) };
  for (const paper of m.papers) {
    const name = pdfName(BOOKLET, paper);
    const first = m.placePrint(name, paper, { kind: "print-booklet", title, sections: groups[0] ?? [], cover, contentPages, standIns });
    const rest = groups.slice(1).map((group, i) => ({
      html: m.placePrint(`${name}-part${i + 2}`, paper, { kind: "print-booklet", title, sections: group }),
      sections: group.length,
    }));
    m.addJob(name, first, paper, title, BOOKLET).booklet = {
      sections: ordered.map((b) => m.pdfUrl(pdfName(b.stem, paper))),
      anchors: sections.map((s) => s.sectionId),
      before: 1 + contentPages.length,
      parts: [{ html: first, sections: groups[0]?.length ?? 0 }, ...rest],
      footer: m.footer,
    };
  }
}

/** Band order; the locale's own handouts (no band) last. */
const rank = (band: Band | undefined) => (band ? BANDS.indexOf(band) : BANDS.length);

/** A heading for each band (and one for the locale's own handouts), each lesson's title, then the sections. */
function contentsLines(m: LocaleModel, ordered: LocaleModel["booklet"]): ContentsLine[] {
  const lines: ContentsLine[] = [];
  let group: string | undefined;
  let lesson: string | undefined;
  for (const { section, band, contents } of ordered) {
    const heading = band ? m.t(`band.${band}`) : m.t("booklet.group.help");
    if (heading !== group) {
      lines.push({ heading: (group = heading) });
      lesson = undefined;
    }
    if (contents.lesson && contents.lesson !== lesson) lines.push({ lesson: (lesson = contents.lesson) });
    if (!contents.lesson) lesson = undefined;
    lines.push({ id: section.sectionId, title: contents.label, inLesson: Boolean(contents.lesson) });
  }
  return lines;
}

/** The build date in the locale's words ("1 December 2026"); UTC, so every machine prints the same. */
function editionDate(date: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(date);
}

export async function buildModel(kit: Kit, options: BuildOptions = {}): Promise<SiteModel> {
  const all: SiteModel = { site: [], print: [], pdfs: [] };
  const byCode = new Map(kit.locales.map((l) => [l.code, l]));
  for (const locale of kit.locales) {
    const m = new LocaleModel(kit, locale, byCode, all, options);
    await localePages(m);
    nowPages(m);
    parentPages(m);
    if (locale.code === kit.config.defaultLocale) notFoundPage(m);
    for (const band of BANDS) {
      for (const lesson of m.sorted.filter((l) => l.meta.band === band)) await lessonPages(m, lesson);
      bandPages(m, band);
    }
    downloadsPage(m);
    await bookletJobs(m);
  }
  linkAlternates(all.site);
  linkDefault(all.site, kit.config.defaultLocale);
  linkGuided(all.site);
  const wanted = (locale: string) => !options.locales || options.locales.includes(locale);
  return { site: all.site.filter((e) => wanted(e.locale)), print: all.print.filter((e) => wanted(e.locale)), pdfs: all.pdfs.filter((j) => wanted(j.locale)) };
}

/** Each page links the same page in every locale of the kit (hreflang alternates). */
function linkAlternates(site: SiteEntry[]): void {
  const urls = new Set(site.map((e) => e.url));
  const locales = [...new Map(site.map((e) => [e.locale, { code: e.locale, lang: e.lang, name: e.localeName }])).values()];
  for (const entry of site) {
    const key = entry.url === "index.html" ? "index.html" : entry.url.slice(entry.locale.length + 1);
    entry.alternates = locales
      .filter((l) => urls.has(`${l.code}/${key}`))
      .map((l) => ({ ...l, href: `${l.code}/${key}`, current: l.code === entry.locale }));
  }
}

export type { LessonVariant };
