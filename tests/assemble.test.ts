// `kit assemble`: builds of one locale each, joined, are the same file for
// file and byte for byte as one build of the whole kit (pages, switcher,
// hreflang, search indexes, PDFs, booklets, zips); parts that could not
// give that are refused, naming the folder, and the last output stays.
import { execFile } from "node:child_process";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_MARKER } from "../scripts/system/faults.ts";
import { fixtureKit, LESSON, PROJECT, tempDir } from "./helpers.ts";
import { EPOCH, kit, snapshot } from "./kit-cli.ts";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Any kit command (kit-cli.ts's `kit` runs only build). */
function kitCommand(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile("node", [path.join(PROJECT, "bin/kit.js"), ...args], { env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH, ...env } }, (error, stdout, stderr) => {
      const failed = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: failed ? (failed.code ?? null) : 0, signal: failed?.signal ?? null, stdout, stderr });
    });
  });
}

const BASE_URL = "https://example.org/talk-early/";
const LOCALES = ["en-XX", "en-YY"];

/** The fixture kit with a second locale: en-XX's files under another code and name. */
async function twoLocaleKit(): Promise<string> {
  const root = await fixtureKit();
  await cp(path.join(root, "lessons/en-XX"), path.join(root, "lessons/en-YY"), { recursive: true });
  const meta = path.join(root, "lessons/en-YY/locale.yaml");
  const text = await readFile(meta, "utf8");
  expect(text).toContain("name: English (Testland)");
  await writeFile(meta, text.replace("name: English (Testland)", "name: English (Otherland)"));
  return root;
}

let root: string;
let work: string;
const dir = (name: string) => path.join(work, name);
const build = async (args: string[], env: Record<string, string> = {}) => {
  const run = await kit(["--root", root, "--concurrency", "1", ...args], env);
  expect(run.code, run.stderr).toBe(0);
};
const assemble = (args: string[], env: Record<string, string> = {}) => kitCommand(["assemble", "--root", root, ...args], env);

beforeAll(async () => {
  root = await twoLocaleKit();
  work = await tempDir("talk-early-assemble-");
  // Printed once each: a part per locale, and the whole kit to compare with.
  for (const locale of LOCALES) await build(["--locale", locale, "--out", dir(`parts/${locale}`), "--base-url", BASE_URL]);
  await build(["--out", dir("whole"), "--base-url", BASE_URL]);
}, 10 * 60_000);

afterAll(async () => {
  await Promise.all([root, work].map((d) => rm(d, { recursive: true, force: true })));
});

describe("kit assemble", () => {
  it("joins one-locale parts into exactly what one whole build makes, PDFs and zips included", async () => {
    const run = await assemble([dir("parts/en-XX"), dir("parts/en-YY"), "--out", dir("joined"), "--base-url", BASE_URL]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Assembled 2 locale(s) from 2 part(s)");
    const whole = await snapshot(dir("whole"));
    const joined = await snapshot(dir("joined"));
    // Both trees, listed: the same files, each with the same hash.
    expect(Object.keys(joined)).toEqual(Object.keys(whole));
    expect(joined).toEqual(whole);
    // What only the whole kit's build has, to show the comparison covers it.
    for (const file of ["site/index.html", "site/404.html", "kits/en-XX.zip", "kits/en-YY.zip", "pdf/en-YY/kit-booklet-a4.pdf", "site/en-YY/pagefind/pagefind-entry.json", "site/en-XX/pagefind/pagefind-entry.json"]) {
      expect(whole, file).toHaveProperty([file]);
    }
    // A part alone is not the whole: the other locale's pages are missing from it.
    const part = await snapshot(dir("parts/en-YY"));
    expect(part).not.toHaveProperty(["site/en-XX/index.html"]);
    expect(part).not.toHaveProperty(["site/index.html"]);
    // Each locale's pages link the other (switcher and hreflang) in the joined site.
    const page = await readFile(dir("joined/site/en-YY/index.html"), "utf8");
    expect(page).toMatch(/hreflang="en(-XX)?"[^>]*href="[^"]*en-XX\/index\.html"|href="[^"]*en-XX\/index\.html"[^>]*hreflang=/);
    const record = JSON.parse(await readFile(dir("joined/built.json"), "utf8")) as { locales: string[]; baseUrl: string };
    expect(record.locales).toEqual(LOCALES);
    expect(record.baseUrl).toBe(BASE_URL);
  }, 5 * 60_000);

  it("is as faithful for site-only builds", async () => {
    for (const locale of LOCALES) await build(["--site-only", "--locale", locale, "--out", dir(`site-parts/${locale}`)]);
    await build(["--site-only", "--out", dir("site-whole")]);
    const run = await assemble([dir("site-parts/en-XX"), dir("site-parts/en-YY"), "--out", dir("site-joined")]);
    expect(run.code, run.stderr).toBe(0);
    expect(await snapshot(dir("site-joined"))).toEqual(await snapshot(dir("site-whole")));
  }, 5 * 60_000);

  it("refuses a missing locale, a locale built twice and another base URL, naming the folder, and writes nothing", async () => {
    const before = await snapshot(dir("joined"));
    const missing = await assemble([dir("parts/en-XX"), "--out", dir("joined")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${dir("parts/en-XX")}: locale: no part holds en-YY`);
    // The whole build made both locales: en-YY would come from two folders.
    const twice = await assemble([dir("parts/en-YY"), dir("whole"), "--out", dir("joined")]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`${dir("whole")}: locale: en-YY is built in ${dir("parts/en-YY")} too`);
    const url = await assemble([dir("parts/en-XX"), dir("parts/en-YY"), "--out", dir("joined"), "--base-url", "https://other.example/"]);
    expect(url.code).toBe(1);
    for (const locale of LOCALES) expect(url.stderr).toContain(`${dir(`parts/${locale}`)}: baseUrl: built with --base-url ${BASE_URL}, not https://other.example/`);
    expect(missing.stderr + twice.stderr + url.stderr).not.toMatch(/\n\s+at /);
    expect(await snapshot(dir("joined"))).toEqual(before);
  });

  it("refuses parts of another kit version or build date", async () => {
    const edited = await twoLocaleKit();
    const lesson = path.join(edited, LESSON.replace("en-XX", "en-YY"));
    await writeFile(lesson, (await readFile(lesson, "utf8")).replace("Do not pay. Tell an adult you trust.", "Do not pay. Tell a grown-up you trust."));
    const run = await kit(["--root", edited, "--site-only", "--locale", "en-YY", "--out", dir("other/en-YY")]);
    expect(run.code, run.stderr).toBe(0);
    const version = await assemble([dir("site-parts/en-XX"), dir("other/en-YY"), "--out", dir("refused")]);
    expect(version.code).toBe(1);
    expect(version.stderr).toContain(`${dir("other/en-YY")}: kit: built from another version of the kit`);
    expect(version.stderr).not.toContain("date:");
    const later = await kit(["--root", root, "--site-only", "--locale", "en-YY", "--out", dir("later/en-YY")], { SOURCE_DATE_EPOCH: String(Number(EPOCH) + 86_400) });
    expect(later.code, later.stderr).toBe(0);
    const date = await assemble([dir("site-parts/en-XX"), dir("later/en-YY"), "--out", dir("refused")]);
    expect(date.code).toBe(1);
    expect(date.stderr).toContain(`${dir("later/en-YY")}: date: built from another build date`);
    expect(date.stderr).toContain("SOURCE_DATE_EPOCH");
    expect(await snapshot(dir("refused"))).toEqual({});
    await rm(edited, { recursive: true, force: true });
  }, 5 * 60_000);

  it("refuses a folder that is no part, and an output inside a part, on the command line", async () => {
    const nothing = await assemble([dir("no-such-part"), "--out", dir("x")]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain(`${dir("no-such-part")}: no such folder`);
    const empty = await tempDir();
    const unbuilt = await assemble([empty, "--out", dir("x")]);
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr).toContain(`${empty}: no built.json`);
    const inside = await assemble([dir("parts/en-XX"), dir("parts/en-YY"), "--out", dir("parts/en-XX/joined")]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain("overlaps the part");
    await rm(empty, { recursive: true, force: true });
  });

  it("publishes all or nothing: a failure leaves the last output, a killed run is settled by the next", async () => {
    const out = dir("swap");
    await cp(dir("site-joined"), out, { recursive: true });
    const old = await snapshot(out);
    const parts = [dir("parts/en-XX"), dir("parts/en-YY"), "--out", out];
    const failed = await assemble(parts, { KIT_FAULT: "publish:rename:pdf" });
    expect(failed.stderr).toContain(`${FAULT_MARKER} publish:rename:pdf`);
    expect(failed.code).not.toBe(0);
    expect(await snapshot(out)).toEqual(old);
    const killed = await assemble(parts, { KIT_FAULT: "publish:aside:kits:kill" });
    expect(killed.signal).toBe("SIGKILL");
    const again = await assemble(parts);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("put the last complete build back");
    expect(await snapshot(out)).toEqual(await snapshot(dir("whole")));
  }, 5 * 60_000);
});
