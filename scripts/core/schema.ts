// Every file a kit builder writes is described once here. The zod schemas
// validate the files and the TypeScript types are inferred from them, so the
// two can never drift apart. Field comments double as reference docs.
import { z } from "zod";
import { LINE_ROLE_NAMES, LINE_ROLES, SCHOOL_ROLE_NAMES, SCHOOL_ROLES, type LineRole, type SchoolRole } from "./roles.ts";

/** The age bands of the content guide, in teaching order. */
export const BANDS = ["8-10", "11-13", "14-17", "adults"] as const;
export type Band = (typeof BANDS)[number];

/** The messages every kit carries (content guide, "The messages every kit carries"). */
export const CORE_MESSAGES = [
  "not-your-fault",
  "dont-pay",
  "block-keep-evidence",
  "tell-trusted-adult",
  "report",
  "take-down",
  "support",
] as const;
/** The three extra messages of the adult guides. */
export const ADULT_MESSAGES = ["start-early", "respond-calmly", "know-the-signs"] as const;
export const MESSAGES = [...CORE_MESSAGES, ...ADULT_MESSAGES] as const;
export type MessageId = (typeof MESSAGES)[number];

export const PAPERS = ["a4", "letter"] as const;
export type Paper = (typeof PAPERS)[number];

const text = z.string().trim().min(1, "must not be empty");

/** Front matter of a lesson file, `lessons/<locale>/<id>.md`. */
export const lessonSchema = z
  .object({
    /** Title as printed on the plan and the page. */
    title: text,
    /** Age band: one of 8-10, 11-13, 14-17, adults. */
    band: z.enum(BANDS),
    /** Length in minutes. */
    duration: z.number().int().min(5).max(240),
    /** Position within the band, 1 first. */
    order: z.number().int().min(1),
    /** Ids of the `::: message` blocks in the body, exactly. */
    messages: z.array(z.enum(MESSAGES)).min(1),
    /** "In one minute": a few sentences for a parent. */
    summary: text,
    /** Learning goals ("Pupils will be able to ..."). */
    goals: z.array(text).min(1),
    /** Preparation and materials. */
    materials: z.array(text).min(1),
    /** The family take-home sheet: child lessons only. */
    family: z
      .object({
        /** What was covered, for a parent. */
        covered: text,
        /** Three conversation starters for home. */
        starters: z.array(text).length(3),
      })
      .strict()
      .optional(),
    /** Translations only: where this file came from and how far it is checked. */
    translation: z
      .object({
        /** Locale of the source file, e.g. en-MY. */
        source: text,
        /**
         * translation: the same lesson in another language, checked by a
         * fluent speaker; adaptation: the lesson rewritten for another
         * country (its schools, services, spelling), checked by someone who
         * knows that country's schools.
         */
        kind: z.enum(["translation", "adaptation"]).default("translation"),
        /** sha256 of the source file this was translated from (first 12 hex digits). */
        sourceHash: z.string().regex(/^[0-9a-f]{12}$/, "must be 12 hex digits (kit status prints them)"),
        /** untranslated (a scaffolded copy), draft until a fluent speaker has checked it, then reviewed. */
        status: z.enum(["untranslated", "draft", "reviewed"]),
        /** Who reviewed it, when status is reviewed. */
        reviewer: text.optional(),
        /** When it was reviewed (YYYY-MM-DD; `kit review --sign` writes it). */
        reviewedOn: z
          .union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date, YYYY-MM-DD"), z.date()])
          .transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d))
          .optional(),
        /** sourceHash of the source file the reviewer checked it against; `kit status` compares it with the source now. */
        reviewedHash: z.string().regex(/^[0-9a-f]{12}$/, "must be 12 hex digits (kit review --sign writes them)").optional(),
      })
      .strict()
      .refine((t) => t.status !== "reviewed" || t.reviewer, {
        message: "a reviewed translation names its reviewer",
        path: ["reviewer"],
      })
      .optional(),
  })
  .strict()
  .refine((l) => l.band === "adults" || l.family, {
    message: "a child lesson needs a family take-home sheet (covered, starters)",
    path: ["family"],
  });
export type LessonMeta = z.infer<typeof lessonSchema>;

/** `lessons/<locale>/locale.yaml`: what a locale is. */
export const localeSchema = z
  .object({
    /** Language of the text, a BCP 47 tag such as en or ms. */
    language: text,
    /** Text direction. */
    dir: z.enum(["ltr", "rtl"]).default("ltr"),
    /** Region whose help lines this locale prints: a file in regions/. */
    region: z.string().regex(/^[A-Z]{2}$/, "must be a two-letter country code such as MY"),
    /** Name of the locale in its own language, for the locale switcher. */
    name: text,
    /** Locale this one is translated or adapted from; its lessons fill any gap, with a notice. */
    source: text.optional(),
  })
  .strict();
export type LocaleMeta = z.infer<typeof localeSchema>;

/**
 * Text a region shares across its languages: plain text, or one text per
 * language (`{ en: ..., ms: ... }`); a language without its own falls back
 * to English.
 */
const localized = z.union([text, z.record(z.string(), text)]);
export type Localized = z.infer<typeof localized>;

export function localize(value: Localized, language: string): string;
export function localize(value: Localized | undefined, language: string): string | undefined;
export function localize(value: Localized | undefined, language: string): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  return value[language] ?? value.en ?? Object.values(value)[0];
}

const contactSchema = z
  .object({
    /** How to reach the line; decides the link (tel:, sms:, https://wa.me/, mailto:). */
    kind: z.enum(["phone", "sms", "whatsapp", "email", "web", "in-person"]),
    /** The number, address or URL, exactly as the source gives it. */
    value: text,
    /** Shown instead of the value, when the value is not how people say it. */
    label: localized.optional(),
    /** Hours or conditions of this contact. */
    note: localized.optional(),
  })
  .strict();
/** A contact as printed: its texts in the locale's language. */
export type Contact = Omit<z.infer<typeof contactSchema>, "note" | "label"> & { note?: string; label?: string };

const lineSchema = z
  .object({
    /** Id used by lessons: `[[id]]` and `::: helplines id` (a role name cannot be an id). */
    id: z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and dashes"),
    /** Full name of the service. */
    name: localized,
    /** Short name for footers and cards. */
    short: localized,
    /** What the line is for. */
    for: localized,
    /** When it answers. */
    hours: localized.optional(),
    /** Ways to reach it, most useful first. An empty list marks a slot still to fill. */
    contacts: z.array(contactSchema),
    /** Where the details were checked. */
    source: text,
    /** How sure we are: confirmed, news-report, confirmed-2020, unfilled. */
    confidence: z.enum(["confirmed", "confirmed-2020", "news-report", "unfilled"]),
  })
  .strict();
export type RegionLine = z.infer<typeof lineSchema>;
/** A help line as printed: its texts in the locale's language. */
export type HelpLine = Omit<RegionLine, "name" | "short" | "for" | "hours" | "contacts"> & {
  name: string;
  short: string;
  for: string;
  hours?: string;
  contacts: Contact[];
};

export function localizeLine(line: RegionLine, language: string): HelpLine {
  return {
    ...line,
    name: localize(line.name, language),
    short: localize(line.short, language),
    for: localize(line.for, language),
    hours: localize(line.hours, language),
    contacts: line.contacts.map((c) => ({ ...c, note: localize(c.note, language), label: localize(c.label, language) })),
  };
}

const lineId = z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and dashes");
/** One line id, or several; always a list once read. */
const lineIds = z.union([lineId, z.array(lineId)]).transform((v) => (typeof v === "string" ? [v] : v));

/** `roles:` in a region file: which of its lines fills each need a lesson names. */
const rolesSchema = z
  .object(Object.fromEntries(LINE_ROLE_NAMES.map((role) => [role, lineIds.optional().describe(LINE_ROLES[role])])) as Record<LineRole, z.ZodOptional<typeof lineIds>>)
  .strict();
/** `school:` in a region file: how the region's schools name the people a lesson sends a child to. */
const schoolSchema = z
  .object(Object.fromEntries(SCHOOL_ROLE_NAMES.map((role) => [role, localized.optional().describe(SCHOOL_ROLES[role])])) as Record<SchoolRole, z.ZodOptional<typeof localized>>)
  .strict();

/** A fact about the region (law, reporting duties) that a lesson may not state itself. */
const noteSchema = z
  .object({
    text: localized,
    source: text,
    confidence: z.enum(["confirmed", "news-report"]),
  })
  .strict();

/** `regions/<CC>.yaml`: help lines and reporting routes, once per region. */
export const regionSchema = z
  .object({
    region: z.string().regex(/^([A-Z]{2}|INTL)$/),
    name: localized,
    /** Paper the website offers first. */
    paper: z.enum(PAPERS).default("a4"),
    /** Date the lines were last checked against their sources. */
    checked: z.union([z.string(), z.date()]).transform((d) => (d instanceof Date ? d.toISOString().slice(0, 10) : d)),
    /** International calling code, e.g. "+60": makes WhatsApp links (wa.me) from local numbers. */
    callingCode: z.string().regex(/^\+\d{1,4}$/, 'a plus and digits, such as "+60"').optional(),
    /** Digit dropped from a local number before the calling code ("0" in Malaysia). */
    trunkPrefix: z.string().regex(/^\d?$/).default("0"),
    /** Which line fills each need (see scripts/core/roles.ts): lessons name the need, the region the service. */
    roles: rolesSchema.default({}),
    /** How the region's schools name their staff and routes (`[[school:counsellor]]` in lessons). */
    school: schoolSchema.default({}),
    /** Lines shown by `::: helplines` with no ids: line ids or roles. */
    default: z.array(lineId).default([]),
    /** Lines of the help page and the crisis card, in order: line ids or roles. */
    crisis: z.array(lineId).default([]),
    /** Other region files whose lines (and roles, where this file has none) this region shares (INTL). */
    include: z.array(z.string()).default([]),
    /** Words that belong to this region (its country, festivals, services, school terms): another region's lessons are warned about them. */
    localTerms: z.array(text).default([]),
    /** Facts a lesson may not state (law, duties), with their source. */
    notes: z.array(noteSchema).default([]),
    lines: z.array(lineSchema),
  })
  .strict();
export type RegionMeta = z.infer<typeof regionSchema>;

/** `lessons/<locale>/strings.json`: every UI string, flat dotted keys. */
export const stringsSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
export type Strings = z.infer<typeof stringsSchema>;

/** `kit.config.yaml`: the kit as a whole. */
export const kitConfigSchema = z
  .object({
    /** Kit title, printed on every page and handout footer. */
    title: text,
    /** Locale built first and linked from the site root. */
    defaultLocale: text,
    /** PDF author. */
    author: text,
    /** PDF subject. */
    subject: text,
    /** Where Quick exit (and Escape twice) goes: a neutral page, replacing this site in the history. */
    quickExitUrl: z.string().url().default("https://www.google.com/"),
    /** The "Trusted adults at our school" box; blank lines when left out. */
    school: z
      .object({ name: text.optional(), counsellor: text.optional(), contact: text.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type KitConfig = z.infer<typeof kitConfigSchema>;

/** A JavaScript regular expression, used case-insensitively. */
const pattern = text.superRefine((source, ctx) => {
  try {
    new RegExp(source, "iu");
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `is not a valid regular expression: ${error instanceof Error ? error.message.replace(/^Invalid regular expression: /, "") : String(error)}` });
  }
});

/** One phrase a glossary rules out; a plain string is a phrase with no context. */
const avoidSchema = z.preprocess(
  (value) => (typeof value === "string" ? { phrase: value } : value),
  z
    .object({
      /** The phrase, as a regular expression matched as whole words; a space matches any spacing or line break. */
      phrase: pattern,
      /** Ruled out only in a sentence that also matches this (every one of these, if a list). */
      context: z.union([pattern, z.array(pattern).min(1)]).optional().transform((c) => (c === undefined ? [] : typeof c === "string" ? [c] : c)),
      /** Why, when it differs from the concept's note. */
      note: text.optional(),
    })
    .strict(),
);

/** One concept of `lessons/<locale>/glossary.yaml`: the term to use and the phrases that must not stand for it. */
const conceptSchema = z
  .object({
    /** The term to use. */
    use: text,
    /** Why, for the translator reading the problem. */
    note: text,
    /** Phrases that must not be used for this concept. */
    avoid: z.array(avoidSchema).min(1),
  })
  .strict();

/** `lessons/<locale>/glossary.yaml` (optional): concept id → its term; `kit check` reports each ruled-out phrase as `glossary/<concept>`. */
export const glossarySchema = z.record(z.string().regex(/^[a-z0-9-]+$/, "a concept id: lower-case letters, digits and dashes"), conceptSchema);
export type Glossary = z.infer<typeof glossarySchema>;
