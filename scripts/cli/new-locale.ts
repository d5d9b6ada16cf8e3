// `kit new-locale <locale> --from <locale> --region <CC>`: the start of a
// kit for another language or country. Lessons are copied and marked
// untranslated (each records the source version it came from), the strings
// file is copied to translate, and a region file is laid out with empty,
// clearly marked slots for help lines: an empty slot shows as a gap on
// every page, it never guesses.
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";
import { KitError } from "../core/problems.ts";
import { sourceHash } from "../pipeline/translations.ts";
import { LINE_ROLE_NAMES, LINE_ROLES, SCHOOL_ROLE_NAMES, SCHOOL_ROLES } from "../core/roles.ts";
import type { Kit, Region } from "../pipeline/validate.ts";

const RTL_LANGUAGES = new Set(["ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv"]);

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Adds the translation record to a lesson's front matter, keeping the rest byte for byte. */
export function markUntranslated(text: string, from: string): string {
  const record = `translation:\n  source: ${from}\n  sourceHash: "${sourceHash(text)}"\n  status: untranslated\n`;
  const close = text.indexOf("\n---", 3);
  return `${text.slice(0, close + 1)}${record}${text.slice(close + 1)}`;
}

export interface NewLocaleResult {
  dir: string;
  lessons: number;
  regionFile?: string;
}

export async function newLocale(root: string, kit: Kit, code: string, from: string, region: string): Promise<NewLocaleResult> {
  const problems = [];
  if (!/^[a-z]{2,3}(-[A-Z]{2})?$/.test(code)) problems.push({ file: "new-locale", field: "locale", message: `"${code}" is not a locale code such as ta-MY or fr-FR` });
  if (!/^[A-Z]{2}$/.test(region)) problems.push({ file: "new-locale", field: "--region", message: `"${region}" is not a two-letter country code such as MY` });
  const source = kit.locales.find((l) => l.code === from);
  if (!source) problems.push({ file: "new-locale", field: "--from", message: `no locale "${from}": expected one of ${kit.locales.map((l) => l.code).join(", ")}` });
  const dir = path.join(root, LESSONS_DIR, code);
  if (await exists(dir)) problems.push({ file: path.relative(root, dir), field: "locale", message: "already exists: nothing was changed" });
  if (problems.length || !source) throw new KitError(problems);

  const language = code.split("-")[0]!;
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "locale.yaml"),
    `# ${code}: scaffolded from ${from} by \`kit new-locale\`. Set name to the\n# language's own name for itself; it appears in the language switcher.\n` +
      stringify({ language, dir: RTL_LANGUAGES.has(language) ? "rtl" : "ltr", region, name: `${code} (to name)`, source: from }),
  );
  const sourceDir = path.join(root, LESSONS_DIR, from);
  await writeFile(path.join(dir, "strings.json"), await readFile(path.join(sourceDir, "strings.json")));
  const names = (await readdir(sourceDir)).filter((n) => n.endsWith(".md")).sort();
  for (const name of names) {
    await writeFile(path.join(dir, name), markUntranslated(await readFile(path.join(sourceDir, name), "utf8"), from));
  }

  const regionPath = path.join(root, REGIONS_DIR, `${region}.yaml`);
  let regionFile: string | undefined;
  if (!(await exists(regionPath))) {
    await writeFile(regionPath, regionScaffold(region, source.region));
    regionFile = path.relative(root, regionPath);
  }
  return { dir: path.relative(root, dir), lessons: names.length, regionFile };
}

/**
 * A region file with one empty slot per role the source region fills with
 * a line of its own (lines it shares, such as INTL's, stay shared). A slot
 * says what the role needs, never what the source country's service is:
 * copying Malaysia's descriptions into another country's file would print
 * them there.
 */
export function regionScaffold(code: string, from: Region): string {
  const own = new Set(from.meta.lines.map((l) => l.id));
  const roles: Record<string, string[]> = {};
  const slots: Record<string, unknown>[] = [];
  for (const role of LINE_ROLE_NAMES) {
    const ids = from.roles.get(role) ?? [];
    const shared = ids.filter((id) => !own.has(id));
    if (ids.length && !ids.some((id) => own.has(id))) {
      roles[role] = shared;
      continue;
    }
    const id = `${role}-line`;
    roles[role] = [id, ...shared];
    slots.push({
      id,
      name: `TO FILL: the service in ${code} that is ${LINE_ROLES[role].split(":")[0]}`,
      short: "TO FILL",
      for: `TO FILL: what this service does, in one sentence (the role: ${LINE_ROLES[role]})`,
      contacts: [],
      source: "TO FILL: the page or document where you checked these details, and the date",
      confidence: "unfilled",
    });
  }
  const head =
    `# Help lines for ${code}, scaffolded by \`kit new-locale\` from ${from.meta.region}.\n` +
    `# Lessons name a need (a role); this file names the service that fills it.\n` +
    `# Every slot below is EMPTY: each page and handout shows it as "not filled in yet"\n` +
    `# until you add contacts from a source you checked. Give each slot the service's\n` +
    `# own id (and change it in roles: too); list several lines for a role if you have\n` +
    `# them. Never add a number without a source. See README, "A kit for your country".\n` +
    `#\n` +
    `# Fill school: too, in the words your schools use (each reads inside a sentence):\n` +
    SCHOOL_ROLE_NAMES.map((r) => `#   ${r}: ${SCHOOL_ROLES[r]}\n`).join("") +
    `# and callingCode (e.g. "+44") so WhatsApp numbers link to wa.me.\n`;
  const data = {
    region: code,
    name: "TO FILL: country name",
    paper: from.meta.paper,
    checked: "TO FILL: date you checked (YYYY-MM-DD)",
    roles,
    default: from.meta.default,
    crisis: from.meta.crisis,
    include: from.meta.include,
    lines: slots,
  };
  return head + stringify(data);
}
