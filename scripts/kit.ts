// The `kit` command line: `kit build`, `kit check`. Bad input prints the
// problems and exits 1, never a stack trace.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bench } from "./bench.ts";
import { build, loadValidKit } from "./build.ts";
import { formatProblems, KitError } from "./problems.ts";
import { screenshots } from "./screenshots.ts";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `Usage: kit <command> [options]

Commands:
  build     build the website (output/site) and the PDF handouts (output/pdf)
  check     check every lesson, locale and region file, and build nothing
  screenshots [lesson-id]
            PNGs of the home, a lesson and the help page at phone (390 px)
            and desktop (1280 px) widths, into output/screenshots/
  bench     time cold, no-op and one-lesson builds against the browser's own
            print time, and a kit ten times larger; writes output/bench.json

Options:
  --locale <code>    only this locale (repeat for more), e.g. --locale en-MY
  --base-url <url>   the site's public address, for links printed on handouts
  --out <dir>        write to this folder instead of output/
  --root <dir>       the folder with kit.config.yaml, lessons/ and regions/ (default: this project)
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      locale: { type: "string", multiple: true },
      "base-url": { type: "string" },
      out: { type: "string" },
      root: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  const root = path.resolve(values.root ?? PROJECT_ROOT);
  const common = { locales: values.locale, baseUrl: values["base-url"] };
  switch (command) {
    case "build":
      await build({ ...common, root, outDir: values.out });
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
      const lessons = kit.locales.reduce((n, l) => n + l.lessons.length, 0);
      console.log(`All good: ${lessons} lessons in ${kit.locales.length} locale(s) pass every check.`);
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
  if (error instanceof KitError) {
    console.error(formatProblems(error.problems));
    console.error("\nNothing was written: the last good output is unchanged.");
  } else if (error instanceof Error && error.name === "TypeError" && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`${error.message}\n\n${USAGE}`);
  } else {
    console.error(`Build failed: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.DEBUG) console.error(error);
  }
  process.exitCode = 1;
}
