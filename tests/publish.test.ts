// Publishing all or nothing, one build at a time, and partial builds, on
// the small fixture kit, with real builds run as child processes (#10).
// Faults are injected with KIT_FAULT (scripts/system/faults.ts); every
// case checks that its fault point was really reached.
import { execFile } from "node:child_process";
import { cp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FAULT_MARKER } from "../scripts/system/faults.ts";
import { kit, snapshot } from "./kit-cli.ts";
import { fixtureKit, tempDir } from "./helpers.ts";

const LESSON = "lessons/en-XX/11-13-fixture-lesson.md";

async function editLesson(root: string): Promise<void> {
  const file = path.join(root, LESSON);
  await writeFile(file, (await readFile(file, "utf8")).replace("Do not pay. Tell an adult you trust.", "Do not pay. Tell a grown-up you trust."));
}

/** What an output folder holds besides the published parts once no build runs: the cache only. */
async function leftovers(out: string): Promise<string[]> {
  // built.json is the finished build's record (for kit assemble), written after publishing: not a leftover.
  return (await readdir(out)).filter((n) => !["site", "pdf", "kits", ".cache", "built.json"].includes(n));
}

/** Stage boundaries of build.ts, zip writes of bundle.ts and every step of publishing. */
const POINTS = [
  "build:locked",
  "build:checked",
  "build:model",
  "build:site",
  "build:search",
  "build:pdf",
  "build:linked",
  "bundle:rename:en-XX",
  "bundle:cached:en-XX",
  "build:bundled",
  "publish:journal",
  ...["site", "pdf", "kits"].flatMap((p) => [`publish:aside:${p}`, `publish:rename:${p}`]),
  "publish:commit",
  "publish:committed",
  "build:published",
];
/** Killed (no clean-up runs) wherever a swap or a zip is half done; before that, a kill leaves only a staging folder. */
const KILLED = POINTS.filter((p) => /^(publish|bundle):|build:(site|bundled|published)$/.test(p));
/** Renames of the PDF stage (render-pdf.ts), reached only when a PDF is printed. */
const PRINTING = ["pdf:cache:pdf", "pdf:cache:pages"];
const CASES = [
  ...[...POINTS, ...PRINTING].map((p) => `${p}:throw`),
  ...[...KILLED, ...PRINTING].map((p) => `${p}:kill`),
  "publish:aside:kits:enospc",
  "bundle:rename:en-XX:enospc",
];

/** Every cache entry is whole: a page count only beside a finished PDF. */
async function checkCache(out: string, spec: string): Promise<void> {
  const dir = path.join(out, ".cache/pdf");
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".pages"))) {
    const pdf = await readFile(path.join(dir, name.replace(/\.pages$/, ".pdf")));
    expect(pdf.subarray(-8).toString("latin1"), `${spec}: ${name}`).toMatch(/%%EOF\s*$/);
    expect(Number(await readFile(path.join(dir, name), "utf8")), `${spec}: ${name}`).toBeGreaterThan(0);
  }
}

describe("publishing", () => {
  it(
    "leaves the whole previous build or the whole new one, whatever fails and wherever",
    async () => {
      const root = await fixtureKit();
      const template = await tempDir();
      expect((await kit(["--root", root, "--out", template])).code).toBe(0);
      const before = await snapshot(template);
      expect(Object.keys(before).some((f) => f.startsWith("kits/"))).toBe(true);
      await editLesson(root);
      // The new build once, whole: its output, and its PDFs in the template's cache, so each case prints nothing.
      const printing = await tempDir();
      await cp(template, printing, { recursive: true });
      const complete = await tempDir();
      await cp(template, complete, { recursive: true });
      expect((await kit(["--root", root, "--out", complete])).code).toBe(0);
      const after = await snapshot(complete);
      expect(after).not.toEqual(before);
      // Not its zips: each case must write its zip (bundle:rename) to reach the points after it.
      await cp(path.join(complete, ".cache/pdf"), path.join(template, ".cache/pdf"), { recursive: true });

      const outcomes: Record<string, "old" | "new"> = {};
      for (const spec of CASES) {
        const out = await tempDir();
        await cp(spec.startsWith("pdf:") ? printing : template, out, { recursive: true });
        const run = await kit(["--root", root, "--out", out], { KIT_FAULT: spec });
        const point = spec.slice(0, spec.lastIndexOf(":"));
        expect(run.stderr, spec).toContain(`${FAULT_MARKER} ${point}`);
        if (spec.endsWith(":kill")) {
          expect(run.signal, spec).toBe("SIGKILL");
          // The next build settles the cut-short swap first thing; stop it right there to look.
          const next = await kit(["--root", root, "--out", out], { KIT_FAULT: "build:recovered" });
          expect(next.stderr, spec).toContain(`${FAULT_MARKER} build:recovered`);
        } else {
          expect(run.code, spec).not.toBe(0);
        }
        const now = await snapshot(out);
        expect([before, after], spec).toContainEqual(now);
        outcomes[spec] = JSON.stringify(now) === JSON.stringify(before) ? "old" : "new";
        expect(await leftovers(out), spec).toEqual([]);
        await checkCache(out, spec);
        if (spec === CASES.at(-1)) {
          expect((await kit(["--root", root, "--out", out])).code).toBe(0);
          expect(await snapshot(out)).toEqual(after);
        }
        await rm(out, { recursive: true, force: true });
      }
      // Only a fault after the last rename may leave the new build: before it, the old one stays.
      expect(outcomes["publish:journal:throw"]).toBe("old");
      expect(outcomes["publish:aside:kits:kill"]).toBe("old");
      expect(outcomes["publish:committed:kill"]).toBe("new");
      await Promise.all([root, template, printing, complete].map((dir) => rm(dir, { recursive: true, force: true })));
    },
    15 * 60_000,
  );

  it(
    "puts the last build back when the output cannot be moved (chattr +i), and builds once it can",
    async () => {
      const root = await fixtureKit();
      const out = await tempDir();
      expect((await kit(["--root", root, "--out", out])).code).toBe(0);
      const before = await snapshot(out);
      await editLesson(root);
      const chattr = await new Promise<boolean>((resolve) => execFile("chattr", ["+i", path.join(out, "kits")], (error) => resolve(!error)));
      if (!chattr) return; // No immutable flag on this filesystem: the fault cases above cover it.
      try {
        const run = await kit(["--root", root, "--out", out]);
        expect(run.code).not.toBe(0);
        expect(run.stderr).toMatch(/EPERM/);
        expect(await snapshot(out)).toEqual(before);
      } finally {
        await new Promise((resolve) => execFile("chattr", ["-i", path.join(out, "kits")], resolve));
      }
      expect((await kit(["--root", root, "--out", out])).code).toBe(0);
      expect(await snapshot(out)).not.toEqual(before);
    },
    5 * 60_000,
  );
});

describe("one build at a time", () => {
  it(
    "refuses a second build on the same folder, naming the first, and takes over from a killed one at once",
    async () => {
      const root = await fixtureKit();
      const out = await tempDir();
      // The first build holds the lock for the seconds it takes to print its PDFs.
      const first = kit(["--root", root, "--out", out]);
      const owner = path.join(out, ".build.json");
      for (let i = 0; i < 600 && !(await stat(owner).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 50));
      const { pid } = JSON.parse(await readFile(owner, "utf8")) as { pid: number };
      const second = await kit(["--root", root, "--out", out]);
      expect(second.code).toBe(5);
      expect(second.stderr).toContain(`in use by build ${pid}`);
      expect(second.stderr).toMatch(/started \d{4}-\d\d-\d\dT/);
      expect((await first).code).toBe(0);
      const built = await snapshot(out);

      const killed = await kit(["--root", root, "--out", out], { KIT_FAULT: "build:site:kill" });
      expect(killed.signal).toBe("SIGKILL");
      expect(await stat(path.join(out, ".build.lock")).then(() => true, () => false)).toBe(true);
      // The lock is still fresh (it goes stale after 20 s): a build that did not see its holder is dead would refuse (5).
      const next = await kit(["--root", root, "--out", out]);
      expect(next.code).toBe(0);
      expect(await snapshot(out)).toEqual(built);
      expect(await leftovers(out)).toEqual([]);
    },
    5 * 60_000,
  );
});
