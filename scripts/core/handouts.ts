// The handout kinds, in one place: what each is called in file names, which
// print template lays it out, what it is made for (each lesson of some
// bands, or once per locale), its page limit and whether the booklet holds
// it. The model, the validator and the PDF stage read this table, so a new
// handout kind is one entry here plus one template (README, "Adding a
// handout kind").
import type { Band } from "./schema.ts";

const CHILD_BANDS = ["8-10", "11-13", "14-17"] as const satisfies readonly Band[];

export interface HandoutKind {
  /** Made once per lesson of these bands, or once per locale. */
  scope: "lesson" | "locale";
  /** Print template: templates/partials/<template>.hbs. */
  template: string;
  /** For lesson handouts: the bands that get one. */
  bands?: readonly Band[];
  /** For lesson handouts: made only when the lesson has a block this handout shows (core/blocks.ts). */
  needsBlocks?: boolean;
  /** For locale handouts: the file name stem. */
  stem?: string;
  /** Most pages it may print to, when it has a limit. */
  pageLimit?: number;
  /** Whether the kit booklet holds it. */
  inBooklet: boolean;
}

export const HANDOUTS = {
  plan: { scope: "lesson", template: "print-plan", bands: CHILD_BANDS, inBooklet: true },
  family: { scope: "lesson", template: "print-family", bands: CHILD_BANDS, pageLimit: 2, inBooklet: true },
  worksheet: { scope: "lesson", template: "print-worksheet", bands: CHILD_BANDS, needsBlocks: true, inBooklet: true },
  guide: { scope: "lesson", template: "print-plan", bands: ["adults"], inBooklet: true },
  card: { scope: "locale", template: "print-card", stem: "get-help-now-card", pageLimit: 1, inBooklet: false },
  // Folded small, so a child can carry it where others may see it: its outside says only "Help".
  wallet: { scope: "locale", template: "print-wallet", stem: "help-wallet-card", pageLimit: 1, inBooklet: false },
} as const satisfies Record<string, HandoutKind>;

export type Variant = keyof typeof HANDOUTS;
export const VARIANTS = Object.keys(HANDOUTS) as Variant[];
export type LessonVariant = { [V in Variant]: (typeof HANDOUTS)[V]["scope"] extends "lesson" ? V : never }[Variant];
export type LocaleVariant = Exclude<Variant, LessonVariant>;

export const LESSON_VARIANTS = VARIANTS.filter((v): v is LessonVariant => HANDOUTS[v].scope === "lesson");
export const LOCALE_VARIANTS = VARIANTS.filter((v): v is LocaleVariant => HANDOUTS[v].scope === "locale");

/** The kit booklet: every handout the registry puts in it, in teaching order. */
export const BOOKLET = "kit-booklet";

/** File stem of a handout, without the paper: `<lesson>-<variant>`, or the locale handout's stem. */
export function handoutStem(variant: Variant, lessonId?: string): string {
  const kind: HandoutKind = HANDOUTS[variant];
  return kind.scope === "locale" ? kind.stem! : `${lessonId}-${variant}`;
}

/** The handouts a lesson of this band, holding these blocks, is printed as. */
export function lessonVariants(band: Band, hasBlockFor: (variant: LessonVariant) => boolean): LessonVariant[] {
  return LESSON_VARIANTS.filter((v) => {
    const kind: HandoutKind = HANDOUTS[v];
    return kind.bands!.includes(band) && (!kind.needsBlocks || hasBlockFor(v));
  });
}
