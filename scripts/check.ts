// Content checks (the content guide's rules, as code). Filled in by the
// curriculum work; the build already runs them after validation.
import type { Problem } from "./problems.ts";
import type { Kit } from "./validate.ts";

export function runContentChecks(_kit: Kit, _problems: Problem[]): void {}
