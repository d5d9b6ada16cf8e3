// Problems are collected and reported together, so a kit builder fixes a
// whole file in one pass instead of one error per build.
import path from "node:path";

export interface Problem {
  /** File the problem is in, relative to the project when possible. */
  file: string;
  /** 1-based line, where there is one. */
  line?: number;
  /** Field or block the problem concerns. */
  field?: string;
  /** What is wrong and what was expected. */
  message: string;
  /** Name of the content rule that matched, for content checks. */
  rule?: string;
  /** A warning is printed but fails the build only with `kit check --strict`. */
  severity?: "warning";
}

export const isWarning = (p: Problem): boolean => p.severity === "warning";

/**
 * Exit codes of the `kit` command (documented in the README). Each kind of
 * failure has its own error class, so the CLI never says "bad input" about
 * a missing browser or a failed print.
 */
export const EXIT = {
  ok: 0,
  /** A kit file (lesson, config, locale, strings, region) is wrong. */
  badInput: 1,
  /** The command line is wrong: unknown command, option or locale. */
  usage: 2,
  /** No browser to print with, and none could be installed. */
  noBrowser: 3,
  /** The browser could not print a page, or a PDF could not be finished. */
  printFailed: 4,
  /** Another build holds the output folder. */
  busy: 5,
  /** Anything else: a bug or the machine (disk full, permissions). */
  failed: 10,
} as const;

/** Thrown when input is wrong: the CLI prints its problems, never a stack trace. */
export class KitError extends Error {
  constructor(
    readonly problems: Problem[],
    options?: { cause?: unknown },
  ) {
    super(`${problems.length} problem${problems.length === 1 ? "" : "s"} found`, options);
    this.name = "KitError";
  }
}

export function relativeFile(file: string, root: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith("..") ? file : rel;
}

export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  const field = p.field ? ` ${p.field}:` : "";
  const rule = p.rule ? ` [${p.rule}]` : "";
  const warning = isWarning(p) ? " warning:" : "";
  return `${where}:${warning}${field} ${p.message}${rule}`;
}

export function formatProblems(problems: Problem[]): string {
  const sorted = [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
  const warnings = problems.filter(isWarning).length;
  const errors = problems.length - warnings;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const head = `${[errors ? count(errors, "problem") : "", warnings ? count(warnings, "warning") : ""].filter(Boolean).join(" and ")} found:`;
  return [head, ...sorted.map((p) => `  ${formatProblem(p)}`)].join("\n");
}

/** The command line itself is wrong (exit 2): one line, then the usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** No browser could be found or installed (exit 3); the message says what to install. */
export class BrowserMissingError extends Error {
  override name = "BrowserMissingError";
}

/** The browser could not print, or a PDF could not be finished (exit 4). */
export class PrintError extends Error {
  override name = "PrintError";
  constructor(readonly failures: { file: string; message: string }[]) {
    super(`${failures.length} PDF${failures.length === 1 ? "" : "s"} could not be made`);
  }
}

/** Another build is running on the same output folder (exit 5). */
export class BusyError extends Error {
  override name = "BusyError";
}
