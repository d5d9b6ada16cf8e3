// The `kit` command line (build, check, status, new-locale, screenshots,
// bench: see USAGE). Bad input prints the problems and exits 1, never a
// stack trace.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bench } from "./bench.ts";
import { build, loadValidKit } from "../pipeline/build.ts";
import { newLocale } from "./new-locale.ts";
import { BrowserMissingError, EXIT, formatProblems, KitError, PrintError, UsageError } from "../core/problems.ts";
import { formatStatus, kitStatus, strictProblems } from "./status.ts";
import { screenshots } from "./screenshots.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const USAGE = `Usage: kit <command> [options]

Commands:
  build     build the website (output/site), the PDF handouts (output/pdf)
            and one zip per locale (output/kits)
  check     check every lesson, locale and region file, and build nothing
            (--strict: also fail on missing, untranslated or out-of-date
            translations and on help lines still to fill in)
  status    per locale: translated, draft, reviewed, missing, out of date;
            per region: help lines and how sure we are of each
  new-locale <locale> --from <locale> --region <CC>
            start a kit for another language or country
  screenshots [lesson-id]
            PNGs of the home, a lesson and the help page at phone (390 px)
            and desktop (1280 px) widths, into output/screenshots/
  bench     time cold, no-op and one-lesson builds against the browser's own
            print time, and a kit ten times larger; writes output/bench.json

Options:
  --locale <code>    only this locale (repeat for more), e.g. --locale en-MY
  --base-url <url>   the site's public address, for links printed on handouts
  --out <dir>        write to this folder instead of output/
  --strict           with check: translations complete and current
  --root <dir>       the folder with kit.config.yaml, lessons/ and regions/ (default: this project)
  --concurrency <n>  handouts printed at once (default: the machine's cores); booklet parts print one at a time
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      locale: { type: "string", multiple: true },
      "base-url": { type: "string" },
      strict: { type: "boolean" },
      from: { type: "string" },
      region: { type: "string" },
      out: { type: "string" },
      root: { type: "string" },
      concurrency: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  const root = path.resolve(values.root ?? PROJECT_ROOT);
  const common = { locales: values.locale, baseUrl: values["base-url"] };
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new UsageError(`--concurrency needs a whole number of at least 1, not "${values.concurrency}"`);
  switch (command) {
    case "build":
      await build({ ...common, root, outDir: values.out, concurrency });
      return 0;
    case "screenshots": {
      const files = await screenshots(root, values.locale?.[0] ?? "en-MY", positionals[1] ?? "11-13-someone-threatens-you");
      console.log(`Wrote ${files.length} screenshots to ${path.relative(process.cwd(), path.dirname(files[0] ?? "."))}`);
      return 0;
    }
    case "bench":
      await bench(root, values.locale);
      return 0;
    case "check": {
      const kit = await loadValidKit(root, common);
      if (values.strict) {
        const problems = strictProblems(kitStatus(kit));
        if (problems.length) throw new KitError(problems);
      }
      const lessons = kit.locales.reduce((n, l) => n + l.lessons.filter((x) => !x.fallbackFrom).length, 0);
      console.log(`All good: ${lessons} lessons in ${kit.locales.length} locale(s) pass every check${values.strict ? ", strict included" : ""}.`);
      return 0;
    }
    case "status":
      console.log(formatStatus(kitStatus(await loadValidKit(root, common))));
      return 0;
    case "new-locale": {
      const code = positionals[1];
      if (!code || !values.from || !values.region) {
        console.error(`kit new-locale needs a locale, --from and --region, e.g.\n  npm run kit -- new-locale ta-MY --from en-MY --region MY\n`);
        return 1;
      }
      const made = await newLocale(root, await loadValidKit(root), code, values.from, values.region);
      console.log(`Created ${made.dir}/ with ${made.lessons} lessons marked untranslated, locale.yaml and strings.json to translate.`);
      if (made.regionFile) console.log(`Created ${made.regionFile} with empty help-line slots to fill from checked sources.`);
      console.log(`Next: npm run kit -- status, then npm run build -- --locale ${code}`);
      return 0;
    }
    default:
      console.log(USAGE);
      return command && !values.help ? 1 : 0;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = report(error);
}

/** Says what went wrong in the words of its kind, and returns the exit code for it (README). */
function report(error: unknown): number {
  if (error instanceof KitError) {
    console.error(formatProblems(error.problems));
    console.error("\nNothing was written: the last good output is unchanged.");
    return EXIT.badInput;
  }
  if (error instanceof UsageError || (error instanceof Error && error.name === "TypeError" && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
    console.error(`${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (error instanceof BrowserMissingError) {
    console.error(error.message);
    return EXIT.noBrowser;
  }
  if (error instanceof PrintError) {
    console.error(`${error.message}:`);
    for (const { file, message } of error.failures) console.error(`  ${file}: ${message}`);
    console.error("\nThe browser could not print these pages, so nothing was published: the last good output is unchanged.\nBuild again; a page that fails every time needs a look at its content, or another Chromium.");
    return EXIT.printFailed;
  }
  console.error(`Build failed: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEBUG) console.error(error);
  return EXIT.failed;
}
