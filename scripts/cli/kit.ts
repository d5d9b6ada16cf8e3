// The `kit` command line (build, check, status, new-locale, export, import,
// review, assemble, locales, screenshots, proof, bench: see USAGE). Bad
// input prints the problems and exits 1, never a stack trace.
import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { assemble } from "../pipeline/assemble.ts";
import { bench } from "./bench.ts";
import { dev } from "./dev.ts";
import { exportTranslations, type Format } from "./export.ts";
import { importTranslations } from "./import.ts";
import { build, loadValidKit } from "../pipeline/build.ts";
import { newLocale } from "./new-locale.ts";
import { BrowserMissingError, BusyError, EXIT, formatProblems, KitError, PrintError, UsageError, type Problem } from "../core/problems.ts";
import { CONFIG_FILE, listLocales } from "../pipeline/load.ts";
import { consoleReporter } from "../pipeline/report.ts";
import { formatStatus, kitStatus, strictProblems } from "./status.ts";
import { proof } from "./proof.ts";
import { reviewSheets, signReview } from "./review.ts";
import { sourceDiffs } from "./source-diff.ts";
import { screenshots } from "./screenshots.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const USAGE = `Usage: kit <command> [options]

Commands:
  build     build the website (output/site), the PDF handouts (output/pdf)
            and one zip per locale (output/kits)
  check     check every lesson, locale and region file, and build nothing
            (--strict: also fail on missing, untranslated or out-of-date
            translations, on help lines still to fill in and on warnings,
            such as another region's local words in a lesson)
  status    per locale: translated, draft, reviewed, missing, out of date;
            who reviewed what, when, and whether the source changed since;
            per region: help lines and how sure we are of each
  status <locale> --diff [lesson]
            for each out-of-date translation, what changed in its source
            since the version it was made from (found in git history)
  review <locale> [lesson] [--out DIR|FILE.pdf]
            review sheets to print: the source beside its translation, row
            by row, with a sign-off box; one PDF per lesson
            (default: output/review/<locale>/<lesson>.pdf)
  review <locale> <lesson> --sign "Name"
            record a fluent reader's sign-off: status: reviewed, the
            reviewer, today's date and the source hash reviewed
  new-locale <locale> --from <locale> --region <CC>
            start a kit for another language or country
  screenshots [lesson-id]
            PNGs of the home, a lesson and the help page at phone (390 px)
            and desktop (1280 px) widths, into output/screenshots/
  export <locale> [--format xliff|po] [--out FILE]
            the source's text in segments, with this locale's translations,
            as XLIFF 2.0 or PO for a translation tool (Weblate, Crowdin)
            (default: output/translations/<locale>.xlf or .po)
  import <file>
            write a translated XLIFF or PO file back into the locale's
            lessons, strings.json and region texts; refuses, naming file and
            segment, anything that would lose a block, reference or placeholder
  assemble <part>... --out <dir> [--base-url <url>]
            join builds of some locales each (kit build --locale X --out
            parts/X, one per CI machine) into one output, the same file for
            file as one build of the whole kit; refuses parts of another kit
            version, base URL or date, a locale built twice or one missing
  locales   the kit's locales, one a line (--json: a JSON array, for a CI matrix)
  proof     contact sheets of the last build's PDFs: every page, small, one
            PNG per locale, handout and paper, into output/proof/ (open
            output/proof/index.html); run kit build first
  dev [--port N]
            a live preview of the site on http://127.0.0.1:N/ (default 4173,
            0 picks a free port): saving a lesson, strings, a region file,
            a template or a stylesheet redraws the pages it touches and
            reloads the open page; a lesson's PDFs are printed again in the
            background; mistakes show in the terminal and on the page.
            Builds into a temporary folder, never output/; Ctrl-C stops it
  bench     time cold, no-op and one-lesson builds against the browser's own
            print time, and a kit ten times larger; writes output/bench.json

Options:
  --locale <code>    only this locale (repeat for more), e.g. --locale en-MY
  --base-url <url>   the site's public address, for links printed on handouts
  --out <dir>        write to this folder instead of output/ (export: the file to write;
                     review: the folder for the sheets, or one lesson's .pdf)
  --format <f>       with export: xliff (XLIFF 2.0, the default) or po (gettext)
  --strict           with check: translations complete and current
  --sign <name>      with review and one lesson: mark it reviewed by <name>
  --diff             with status and a locale: what changed in out-of-date sources
  --json             with locales: print a JSON array
  --root <dir>       the folder with kit.config.yaml, lessons/ and regions/ (default: this project)
  --concurrency <n>  handouts printed at once (default: the machine's cores)
  --port <n>         with dev: the port on 127.0.0.1 (default 4173; 0: any free one)
  --site-only        with build: the website without a browser; handouts from
                     the last full build stay when current, the rest are marked
                     "not built yet" and left out

Exit codes: 0 done, 1 a kit file is wrong, 2 the command line is wrong,
3 no browser to print with, 4 printing failed, 5 another build is running
on the same output folder, 10 anything else.
`;

const COMMANDS = ["build", "check", "status", "new-locale", "export", "import", "review", "assemble", "locales", "screenshots", "proof", "dev", "bench", "help"] as const;

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        locale: { type: "string", multiple: true },
        "base-url": { type: "string" },
        strict: { type: "boolean" },
        from: { type: "string" },
        region: { type: "string" },
        out: { type: "string" },
        format: { type: "string" },
        root: { type: "string" },
        concurrency: { type: "string" },
        "site-only": { type: "boolean" },
        sign: { type: "string" },
        diff: { type: "boolean" },
        json: { type: "boolean" },
        port: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // parseArgs says which option is wrong; say it in one line.
    throw new UsageError(error instanceof Error ? error.message.split(/\n|\. To specify/)[0]! : String(error));
  }
}

/** `kit assemble`: the part folders exist, and the output is none of them (it would be replaced while read). */
async function checkAssembleLine(parts: string[], values: ReturnType<typeof parseCommandLine>["values"]): Promise<void> {
  if (!parts.length || values.out === undefined) throw new UsageError("kit assemble needs part folders and --out, e.g. npm run kit -- assemble parts/* --out output");
  const out = path.resolve(values.out);
  for (const part of parts) {
    if (!(await stat(part).then((s) => s.isDirectory(), () => false))) throw new UsageError(`${part}: no such folder (a part is the --out folder of a kit build --locale)`);
    const dir = path.resolve(part);
    if (out === dir || out.startsWith(`${dir}${path.sep}`) || dir.startsWith(`${out}${path.sep}`)) throw new UsageError(`--out ${values.out}: overlaps the part ${part}; write the joined output to a folder of its own`);
  }
}

/** The command line's own mistakes, found before anything is read or written (exit 2). */
async function checkCommandLine(command: string | undefined, positionals: string[], values: ReturnType<typeof parseCommandLine>["values"], root: string): Promise<void> {
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command "${command}", expected one of ${COMMANDS.join(", ")}`);
  }
  if (!(await stat(path.join(root, CONFIG_FILE)).then((s) => s.isFile(), () => false))) {
    throw new UsageError(`--root ${root}: no ${CONFIG_FILE} there (the folder with kit.config.yaml, lessons/ and regions/)`);
  }
  const known = await listLocales(root);
  for (const code of values.locale ?? []) {
    if (!known.includes(code)) throw new UsageError(`--locale ${code}: no such locale, expected one of ${known.join(", ")}`);
  }
  if (values.sign !== undefined && command !== "review") throw new UsageError("--sign goes with kit review <locale> <lesson>");
  if (values.diff && command !== "status") throw new UsageError("--diff goes with kit status <locale>");
  if (command === "assemble") await checkAssembleLine(positionals.slice(1), values);
  if (values.out !== undefined && command !== "export" && !(command === "review" && values.out.endsWith(".pdf")) && (await stat(values.out).then((s) => !s.isDirectory(), () => false))) {
    throw new UsageError(`--out ${values.out}: is a file, expected a folder (it is made if missing)`);
  }
  if (values.concurrency !== undefined && !/^[1-9]\d*$/.test(values.concurrency)) {
    throw new UsageError(`--concurrency ${values.concurrency}: expected a whole number of tabs, 1 or more`);
  }
  if (values.port !== undefined && (!/^\d+$/.test(values.port) || Number(values.port) > 65535)) {
    throw new UsageError(`--port ${values.port}: expected a port number from 0 to 65535`);
  }
  if (values["base-url"] !== undefined && !/^https?:\/\/[^\s]+$/.test(values["base-url"])) {
    throw new UsageError(`--base-url ${values["base-url"]}: expected an address starting with https:// or http://`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandLine(argv);
  const command = positionals[0];
  if (values.help || command === "help" || command === undefined) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const root = path.resolve(values.root ?? PROJECT_ROOT);
  await checkCommandLine(command, positionals, values, root);
  const common = { locales: values.locale, baseUrl: values["base-url"] };
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  switch (command) {
    case "build":
      await build({ ...common, root, outDir: values.out, concurrency, siteOnly: values["site-only"] });
      return 0;
    case "assemble":
      await assemble(positionals.slice(1), values.out!, { baseUrl: values["base-url"] });
      return 0;
    case "locales": {
      const codes = await listLocales(root);
      console.log(values.json ? JSON.stringify(codes) : codes.join("\n"));
      return 0;
    }
    case "screenshots": {
      const files = await screenshots(root, values.locale?.[0] ?? "en-MY", positionals[1] ?? "11-13-someone-threatens-you");
      console.log(`Wrote ${files.length} screenshots to ${path.relative(process.cwd(), path.dirname(files[0] ?? "."))}`);
      return 0;
    }
    case "proof":
      await proof({ root, outDir: values.out, locales: values.locale });
      return 0;
    case "dev":
      await dev({ root, locales: values.locale, port: values.port === undefined ? undefined : Number(values.port) });
      return 0;
    case "bench":
      await bench(root, values.locale);
      return 0;
    case "check": {
      const warnings: Problem[] = [];
      const kit = await loadValidKit(root, common, warnings);
      if (values.strict) {
        // Strict: a warning is a problem like any other.
        const problems = [...strictProblems(kitStatus(kit)), ...warnings.map((w) => ({ ...w, severity: undefined }))];
        if (problems.length) throw new KitError(problems);
      }
      if (warnings.length) console.error(`${formatProblems(warnings)}\n(warnings do not fail the check; --strict fails on them)\n`);
      const lessons = kit.locales.reduce((n, l) => n + l.lessons.filter((x) => !x.fallbackFrom).length, 0);
      const warned = warnings.length ? `, with ${warnings.length} warning${warnings.length === 1 ? "" : "s"}` : "";
      console.log(`All good: ${lessons} lessons in ${kit.locales.length} locale(s) pass every check${values.strict ? ", strict included" : ""}${warned}.`);
      return 0;
    }
    case "status":
      if (values.diff) {
        console.log(await sourceDiffs(await loadValidKit(root), positionals[1], positionals[2]));
        return 0;
      }
      if (positionals[1]) throw new UsageError(`kit status takes a locale only with --diff (to choose locales, use --locale ${positionals[1]})`);
      console.log(formatStatus(kitStatus(await loadValidKit(root, common))));
      return 0;
    case "review": {
      const kit = await loadValidKit(root);
      if (values.sign !== undefined) {
        const signed = await signReview(kit, positionals[1], positionals[2], values.sign);
        console.log(`Marked ${signed.file} reviewed by ${values.sign.trim()} on ${signed.date}, against source hash ${signed.hash}.`);
        return 0;
      }
      const done = await reviewSheets(kit, { code: positionals[1], lesson: positionals[2], out: values.out, reporter: consoleReporter() });
      if (done.skipped.length) console.log(`Skipped (not translated yet, or shown from the source): ${done.skipped.join(", ")}`);
      const where = path.relative(process.cwd(), path.dirname(done.files[0]!)) || ".";
      console.log(`Wrote ${done.files.length} review sheet${done.files.length === 1 ? "" : "s"} to ${where}: print, read with a pen, sign, then record it with kit review <locale> <lesson> --sign "Name".`);
      return 0;
    }
    case "export": {
      const code = positionals[1];
      if (!code) throw new UsageError("kit export needs a locale, e.g. npm run kit -- export ms-MY --format po");
      const done = await exportTranslations(await loadValidKit(root), code, (values.format ?? "xliff") as Format, values.out);
      for (const note of done.notes) console.log(`Note: ${note}`);
      console.log(`Wrote ${path.relative(process.cwd(), done.file) || done.file}: ${done.units} segments, ${done.filled} with ${code}'s translation filled in.`);
      return 0;
    }
    case "import": {
      const file = positionals[1];
      if (!file) throw new UsageError("kit import needs a file, e.g. npm run kit -- import ms-MY.xlf");
      const done = await importTranslations(await loadValidKit(root), path.resolve(file));
      console.log(done.files.length ? `Imported ${done.segments} changed segments into ${done.locale}: ${done.files.join(", ")} (changed lessons marked status: draft).` : `Nothing changed in ${done.locale}: every segment matches what the kit has.`);
      return 0;
    }
    case "new-locale": {
      const code = positionals[1];
      if (!code || !values.from || !values.region) {
        throw new UsageError("kit new-locale needs a locale, --from and --region, e.g. npm run kit -- new-locale ta-MY --from en-MY --region MY");
      }
      const made = await newLocale(root, await loadValidKit(root), code, values.from, values.region);
      console.log(`Created ${made.dir}/ with ${made.lessons} lessons marked untranslated, locale.yaml and strings.json to translate.`);
      if (made.regionFile) console.log(`Created ${made.regionFile} with empty help-line slots to fill from checked sources.`);
      console.log(`Next: npm run kit -- status, then npm run build -- --locale ${code}`);
      return 0;
    }
  }
  return EXIT.ok;
}

/** One message and exit code per kind of failure; never a stack trace (DEBUG=1 shows it). */
function report(error: unknown): number {
  if (process.env.DEBUG) console.error(error);
  if (error instanceof KitError) {
    console.error(formatProblems(error.problems));
    console.error("\nNothing was written: the last good output is unchanged.");
    return EXIT.badInput;
  }
  if (error instanceof UsageError) {
    console.error(`kit: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (error instanceof BrowserMissingError) {
    console.error(`No browser to print the PDFs with.\n${error.message}\nThe last good output is unchanged.`);
    return EXIT.noBrowser;
  }
  if (error instanceof PrintError) {
    console.error(`Printing failed:\n${error.failures.map((f) => `  ${f.file}: ${f.message}`).join("\n")}\nThe kit's files are fine; try again, or run with DEBUG=1 and report it. The last good output is unchanged.`);
    return EXIT.printFailed;
  }
  if (error instanceof BusyError) {
    console.error(error.message);
    return EXIT.busy;
  }
  console.error(`Build failed: ${error instanceof Error ? error.message : String(error)}\nThe last good output is unchanged. Run with DEBUG=1 to see where.`);
  return EXIT.failed;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = report(error);
}
