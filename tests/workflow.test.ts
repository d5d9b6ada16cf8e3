// The GitHub Actions workflow that publishes the kit: checked by a real
// validator (action-validator's schema of GitHub's workflow syntax, run as
// its CLI), and read as YAML for what this kit needs of it: one build per
// locale into parts/, joined by `kit assemble` with the same --base-url,
// published on Pages.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { PROJECT, tempDir } from "./helpers.ts";

const WORKFLOW = path.join(PROJECT, ".github/workflows/publish.yml");
const VALIDATOR = path.join(PROJECT, "node_modules/@action-validator/cli/cli.mjs");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  id?: string;
}
interface Job {
  needs?: string | string[];
  "runs-on"?: string;
  permissions?: Record<string, string>;
  environment?: { name: string };
  strategy?: { matrix?: Record<string, unknown> };
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

function validate(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("node", [VALIDATOR, file], (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

const text = await readFile(WORKFLOW, "utf8");
const workflow = parse(text) as Workflow;
const jobs = Object.entries(workflow.jobs);
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const step = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(`${action}@`));
const needs = (job: Job) => [job.needs ?? []].flat();

const matrixJobs = jobs.filter(([, job]) => job.strategy?.matrix);
const mergeJobs = jobs.filter(([, job]) => /kit\.js assemble /.test(runs(job)));

describe("the publishing workflow", () => {
  it("passes action-validator", async () => {
    const result = await validate(WORKFLOW);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("fails action-validator when broken, so the check above can fail", async () => {
    const dir = await tempDir();
    const [name, job] = matrixJobs[0]!;
    const broken = structuredClone(workflow) as unknown as { jobs: Record<string, Record<string, unknown>> };
    delete broken.jobs[name]!["runs-on"];
    broken.jobs[name]!["run-on"] = job["runs-on"];
    const file = path.join(dir, "publish.yml");
    await writeFile(file, stringify(broken));
    const result = await validate(file);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`/jobs/${name}/runs-on`);
    await rm(dir, { recursive: true, force: true });
  });

  it("builds each locale in a matrix job of its own, into parts/<locale>, with the PDF cache restored", () => {
    expect(matrixJobs.length).toBeGreaterThan(0);
    for (const [name, job] of matrixJobs) {
      // The matrix comes from `kit locales --json` in the job it needs, so a new locale needs no edit here.
      const source = /fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)/.exec(String(job.strategy!.matrix!.locale));
      expect(source, name).not.toBeNull();
      const lister = workflow.jobs[source![1]!]!;
      expect(needs(job), name).toContain(source![1]);
      expect(lister.outputs?.[source![2]!]).toMatch(/steps\.(\w+)\.outputs/);
      expect(runs(lister)).toMatch(/kit\.js locales --json/);

      const build = runs(job);
      expect(build, name).toMatch(/kit\.js build --locale \$\{\{ matrix\.locale \}\} --out parts\/\$\{\{ matrix\.locale \}\} --base-url \$\{\{ needs\.[\w-]+\.outputs\.[\w-]+ \}\}/);
      expect(build).toMatch(/apt-get install -y --no-install-recommends chromium/);
      expect(build).toMatch(/npm ci/);
      expect(step(job, "actions/setup-node")?.with?.["node-version"]).toBe(20);
      // The PDF cache lives in <out>/.cache/pdf (scripts/pipeline/build.ts gives pdf-cache.ts that folder).
      const cache = step(job, "actions/cache")!;
      expect(cache.with?.path).toBe("parts/${{ matrix.locale }}/.cache");
      expect(String(cache.with?.key)).toContain("hashFiles('package-lock.json')");
      expect(String(cache.with?.key)).toContain("format('lessons/{0}/**', matrix.locale)");
      expect(step(job, "actions/upload-artifact")?.with?.path).toBe("parts/${{ matrix.locale }}/");
    }
  });

  it("joins the parts with kit assemble, passing the same --base-url, and deploys them to Pages", () => {
    expect(mergeJobs).toHaveLength(1);
    const [name, job] = mergeJobs[0]!;
    for (const [matrix] of matrixJobs) expect(needs(job), name).toContain(matrix);
    const assemble = /kit\.js assemble (parts\/\S+) --out (\S+) --base-url (\$\{\{ [^}]+ \}\})/.exec(runs(job));
    expect(assemble, runs(job)).not.toBeNull();
    const buildUrl = /--base-url (\$\{\{ [^}]+ \}\})/.exec(runs(matrixJobs[0]![1]))![1];
    expect(assemble![3]).toBe(buildUrl);
    const download = step(job, "actions/download-artifact")!;
    const uploaded = String(step(matrixJobs[0]![1], "actions/upload-artifact")!.with!.name);
    expect(uploaded.replace("${{ matrix.locale }}", "*")).toBe(download.with?.pattern);
    expect(assemble![1]).toBe(`${download.with?.path}/${download.with?.pattern}`);
    expect(step(job, "actions/upload-pages-artifact")?.with?.path).toBe(`${assemble![2]}/site`);
    expect(step(job, "actions/deploy-pages")).toBeDefined();
    expect(job.permissions).toMatchObject({ pages: "write", "id-token": "write" });
    expect(job.environment?.name).toBe("github-pages");
    expect(workflow.concurrency).toEqual({ group: "pages", "cancel-in-progress": false });
  });

  it("uses only majors of actions that exist", () => {
    const known = ["actions/checkout@v4", "actions/setup-node@v4", "actions/cache@v4", "actions/upload-artifact@v4", "actions/download-artifact@v4", "actions/configure-pages@v5", "actions/upload-pages-artifact@v3", "actions/deploy-pages@v4"];
    const used = jobs.flatMap(([, job]) => job.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(used.length).toBeGreaterThan(0);
    for (const uses of used) expect(known).toContain(uses);
  });
});
