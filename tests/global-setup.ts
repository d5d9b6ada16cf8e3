// Builds the real default kit once for every test file that reads it:
// a cold build prints ~200 PDFs, and this machine has two cores.
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
  const out = await mkdtemp(path.join(os.tmpdir(), "talk-early-kit-"));
  const root = path.resolve(import.meta.dirname, "..");
  const result = await build({ root, outDir: out, reporter: silentReporter });
  project.provide("kitOut", out);
  project.provide("kitPdfs", result.pdfs);
  return async () => rm(out, { recursive: true, force: true });
}
