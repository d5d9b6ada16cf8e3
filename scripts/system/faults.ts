// Named fault points, so tests can make a real build fail (or die) at an
// exact step and check what is left on disk. Off unless KIT_FAULT names a
// point: `KIT_FAULT=publish:rename:kits` throws there,
// `KIT_FAULT=publish:rename:kits:kill` kills the process with SIGKILL (no
// cleanup runs, as after a power cut), `...:enospc` throws as a full disk.
// A reached point says so on stderr, so a test knows its fault really fired.
import { writeSync } from "node:fs";

const MODES = ["throw", "kill", "enospc"] as const;
type Mode = (typeof MODES)[number];

export const FAULT_MARKER = "KIT_FAULT reached:";

/** The point and mode KIT_FAULT names, if any. */
export function faultSpec(env: NodeJS.ProcessEnv = process.env): { point: string; mode: Mode } | undefined {
  const spec = env.KIT_FAULT;
  if (!spec) return undefined;
  const last = spec.slice(spec.lastIndexOf(":") + 1);
  const mode = MODES.find((m) => m === last);
  return mode ? { point: spec.slice(0, -(mode.length + 1)), mode } : { point: spec, mode: "throw" };
}

export class FaultError extends Error {
  override name = "FaultError";
  constructor(
    readonly point: string,
    readonly code?: string,
  ) {
    super(code === "ENOSPC" ? `ENOSPC: no space left on device (injected at ${point})` : `fault injected at ${point}`);
  }
}

/** A point where a test may make the build fail; does nothing unless KIT_FAULT names it. */
export function fault(point: string): void {
  const spec = faultSpec();
  if (!spec || spec.point !== point) return;
  // Written synchronously: a kill comes next, and buffered output would be lost.
  writeSync(2, `${FAULT_MARKER} ${point} (${spec.mode})\n`);
  if (spec.mode === "kill") process.kill(process.pid, "SIGKILL");
  throw new FaultError(point, spec.mode === "enospc" ? "ENOSPC" : undefined);
}
