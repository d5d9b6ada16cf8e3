// What a child or an adult needs, by name. Lessons and templates ask for a
// role (`[[call-first]]`, `::: helplines support`); each region file says
// which of its lines fills it. A new country then builds by filling its
// region file, without editing a lesson.

/** Help-line roles, each with what a region must put in it (for docs and `kit new-locale`). */
export const LINE_ROLES = {
  emergency: "the emergency number, for a child in danger right now",
  "call-first": "the line to call first: answers 24 hours, for a child being threatened or an adult who has just been told (printed in every handout footer)",
  "report-crime": "where a crime against a child is reported (the police)",
  "report-online": "an online reporting route for threats and abuse online",
  "money-paid": "the line for money already paid to a scammer",
  "take-down": "tools that help take an image down",
  support: "support lines for anyone who feels hopeless or unsafe",
} as const;
export type LineRole = keyof typeof LINE_ROLES;
export const LINE_ROLE_NAMES = Object.keys(LINE_ROLES) as LineRole[];

/** School roles: the people a lesson names, as the region's schools call them. */
export const SCHOOL_ROLES = {
  counsellor: "the school's counselling staff, as a phrase that reads inside a sentence (\"the school counsellor\")",
  head: "the head of the school (\"the head teacher\")",
  procedure: "the school's reporting route for a disclosure, in one sentence",
} as const;
export type SchoolRole = keyof typeof SCHOOL_ROLES;
export const SCHOOL_ROLE_NAMES = Object.keys(SCHOOL_ROLES) as SchoolRole[];

export function isLineRole(name: string): name is LineRole {
  return Object.hasOwn(LINE_ROLES, name);
}

export function isSchoolRole(name: string): name is SchoolRole {
  return Object.hasOwn(SCHOOL_ROLES, name);
}

/** `[[school:counsellor]]` names a school role; anything else in `[[...]]` is a line or a line role. */
export const SCHOOL_REF = /^school:([a-z-]+)$/;

/**
 * Turns what a lesson names (line ids and line roles, mixed) into line
 * ids, in order, without repeats. Unknown names are returned in `unknown`,
 * roles the region leaves empty in `unfilled`.
 */
export function resolveLines(
  names: readonly string[],
  roles: ReadonlyMap<LineRole, readonly string[]>,
  lines: { has(id: string): boolean },
): { ids: string[]; unknown: string[]; unfilled: LineRole[] } {
  const ids: string[] = [];
  const unknown: string[] = [];
  const unfilled: LineRole[] = [];
  for (const name of names) {
    if (lines.has(name)) ids.push(name);
    else if (isLineRole(name)) {
      const filled = roles.get(name) ?? [];
      if (!filled.length) unfilled.push(name);
      ids.push(...filled);
    } else unknown.push(name);
  }
  return { ids: [...new Set(ids)], unknown, unfilled };
}
