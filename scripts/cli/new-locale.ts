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
import type { Kit } from "../pipeline/validate.ts";

const RTL_LANGUAGES = new Set(["ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv"]);

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Adds the translation record to a lesson's front matter, keeping the rest byte for byte. */
export function markUntranslated(text: string, from: string): string {
  const record = `translation:\n  source: ${from}\n  sourceHash: ${sourceHash(text)}\n  status: untranslated\n`;
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
    // Only the source region's own lines: shared ones (INTL) come through `include`.
    const slots = source.region.meta.lines.map((line) => ({
        id: line.id,
        name: `TO FILL: the service in ${region} that does what "${line.name}" does in ${source.region.meta.name}`,
        short: `TO FILL (${line.id})`,
        for: typeof line.for === "string" ? line.for : (line.for.en ?? Object.values(line.for)[0]!),
        contacts: [],
        source: "TO FILL: the page or document where you checked these details, and the date",
        confidence: "unfilled",
      }));
    const head =
      `# Help lines for ${region}, scaffolded by \`kit new-locale\` from ${source.region.meta.region}.\n` +
      `# Every slot below is EMPTY: each page and handout shows it as "not filled in yet"\n` +
      `# until you add contacts from a source you checked. Rename an id, and its\n` +
      `# references in lessons, if the service is different; delete a slot with no\n` +
      `# equivalent. Never add a number without a source. See README, "A kit for your country".\n`;
    const data = {
      region,
      name: `TO FILL: country name`,
      paper: source.region.meta.paper,
      checked: "TO FILL: date you checked (YYYY-MM-DD)",
      roles: source.region.meta.roles,
      default: source.region.meta.default,
      crisis: source.region.meta.crisis,
      include: source.region.meta.include,
      lines: slots,
    };
    await writeFile(regionPath, head + stringify(data));
    regionFile = path.relative(root, regionPath);
  }
  return { dir: path.relative(root, dir), lessons: names.length, regionFile };
}
