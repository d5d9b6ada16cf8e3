// The handout kinds, in one place: what each is called in file names, which
// print template lays it out, what it is made for (each lesson of some
// bands, once per band of a locale, or once per locale), its page limit and whether the booklet holds
// it. The model, the validator and the PDF stage read this table, so a new
// handout kind is one entry here plus one template (README, "Adding a
// handout kind").
import type { Band } from "./schema.ts";

const CHILD_BANDS = ["8-10", "11-13", "14-17"] as const satisfies readonly Band[];

export interface HandoutKind {
  /** Made once per lesson of these bands, once per band of a locale that has lessons of these bands, or once per locale. */
  scope: "lesson" | "band" | "locale";
  /** Print template: templates/partials/<template>.hbs. */
  template: string;
  /** For lesson and band handouts: the bands that get one. */
  bands?: readonly Band[];
  /** For lesson handouts: made only when the lesson has a block this handout shows (core/blocks.ts). */
  needsBlocks?: boolean;
  /** For locale handouts: the file name stem; for band handouts, what follows the band. */
  stem?: string;
  /** Most pages it may print to, when it has a limit. */
  pageLimit?: number;
  /** Whether the kit booklet holds it. */
  inBooklet: boolean;
}

export const HANDOUTS = {
  // Sent home before the lesson, so it comes first.
  letter: { scope: "lesson", template: "print-letter", bands: CHILD_BANDS, pageLimit: 1, inBooklet: true },
  plan: { scope: "lesson", template: "print-plan", bands: CHILD_BANDS, inBooklet: true },
  family: { scope: "lesson", template: "print-family", bands: CHILD_BANDS, pageLimit: 2, inBooklet: true },
  worksheet: { scope: "lesson", template: "print-worksheet", bands: CHILD_BANDS, needsBlocks: true, inBooklet: true },
  guide: { scope: "lesson", template: "print-plan", bands: ["adults"], inBooklet: true },
  cards: { scope: "band", template: "print-cards", bands: CHILD_BANDS, stem: "conversation-cards", inBooklet: true },
  // In the booklet too, as its last section: the page a reader tears out.
  card: { scope: "locale", template: "print-card", stem: "get-help-now-card", pageLimit: 1, inBooklet: true },
  // Folded small, so a child can carry it where others may see it: its outside says only "Help".
  wallet: { scope: "locale", template: "print-wallet", stem: "help-wallet-card", pageLimit: 1, inBooklet: false },
} as const satisfies Record<string, HandoutKind>;

export type Variant = keyof typeof HANDOUTS;
export const VARIANTS = Object.keys(HANDOUTS) as Variant[];
export type LessonVariant = { [V in Variant]: (typeof HANDOUTS)[V]["scope"] extends "lesson" ? V : never }[Variant];
export type BandVariant = { [V in Variant]: (typeof HANDOUTS)[V]["scope"] extends "band" ? V : never }[Variant];
export type LocaleVariant = Exclude<Variant, LessonVariant | BandVariant>;

export const LESSON_VARIANTS = VARIANTS.filter((v): v is LessonVariant => HANDOUTS[v].scope === "lesson");
export const BAND_VARIANTS = VARIANTS.filter((v): v is BandVariant => HANDOUTS[v].scope === "band");
export const LOCALE_VARIANTS = VARIANTS.filter((v): v is LocaleVariant => HANDOUTS[v].scope === "locale");

/** The kit booklet: every handout the registry puts in it, in teaching order. */
export const BOOKLET = "kit-booklet";

/**
 * File stem of a handout, without the paper: `<lesson>-<variant>`,
 * `<band>-<stem>`, or the locale handout's stem. `owner` is the lesson id
 * or the band.
 */
export function handoutStem(variant: Variant, owner?: string): string {
  const kind: HandoutKind = HANDOUTS[variant];
  if (kind.scope === "locale") return kind.stem!;
  return kind.scope === "band" ? `${owner}-${kind.stem}` : `${owner}-${variant}`;
}

/** The band handouts a band of a locale gets. */
export function bandVariants(band: Band): BandVariant[] {
  return BAND_VARIANTS.filter((v) => (HANDOUTS[v] as HandoutKind).bands!.includes(band));
}

/** The handouts a lesson of this band, holding these blocks, is printed as. */
export function lessonVariants(band: Band, hasBlockFor: (variant: LessonVariant) => boolean): LessonVariant[] {
  return LESSON_VARIANTS.filter((v) => {
    const kind: HandoutKind = HANDOUTS[v];
    return kind.bands!.includes(band) && (!kind.needsBlocks || hasBlockFor(v));
  });
}
