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
}

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
  return `${where}:${field} ${p.message}${rule}`;
}

export function formatProblems(problems: Problem[]): string {
  const sorted = [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
  const head = `${problems.length} problem${problems.length === 1 ? "" : "s"} found:`;
  return [head, ...sorted.map((p) => `  ${formatProblem(p)}`)].join("\n");
}
