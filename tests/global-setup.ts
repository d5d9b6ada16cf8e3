// Builds the real default kit once for every test file that reads it:
// a cold build prints ~200 PDFs, and this machine has two cores.
// KIT_TEST_OUT names a folder the kit was just built into (CI builds it
// with `npm run build` first): building there again is a no-op rebuild
// from its PDF cache, so the kit is printed once per run, not twice.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { build } from "../scripts/pipeline/build.ts";
import { silentReporter } from "../scripts/pipeline/report.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kitOut: string;
    kitPdfs: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.KIT_TEST_OUT;
  const out = given ? path.resolve(given) : await mkdtemp(path.join(os.tmpdir(), "talk-early-kit-"));
  const root = path.resolve(import.meta.dirname, "..");
  const result = await build({ root, outDir: out, reporter: silentReporter });
  project.provide("kitOut", out);
  project.provide("kitPdfs", result.pdfs);
  return async () => {
    if (!given) await rm(out, { recursive: true, force: true });
  };
}
