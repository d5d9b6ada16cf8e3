// The engine's rules, each on the small fixture kit changed in one place:
// roles, blocks, every kit file a builder edits, and the command line's
// exit codes. Nothing here builds or prints, so it runs in seconds.
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../scripts/core/markdown.ts";
import { resolveLines } from "../scripts/core/roles.ts";
import { staleCheck } from "../scripts/cli/status.ts";
import { loadKit } from "../scripts/pipeline/load.ts";
import { validate } from "../scripts/pipeline/validate.ts";
import type { Problem } from "../scripts/core/problems.ts";
import { fixtureKit, PROJECT, tempDir } from "./helpers.ts";

const run = promisify(execFile);
const LESSON = "lessons/en-XX/11-13-fixture-lesson.md";

/** The fixture kit with one file changed by `edit`. */
async function kitWith(file: string, edit: (text: string) => string): Promise<string> {
  const root = await fixtureKit();
  const full = path.join(root, file);
  await writeFile(full, edit(await readFile(full, "utf8").catch(() => "")));
  return root;
}

async function problemsOf(root: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  validate(await loadKit(root, problems), problems);
  return problems;
}

async function kit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node", [path.join(PROJECT, "bin/kit.js"), ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe("region roles", () => {
  it("resolve a role to the lines that fill it, and say which are unknown or empty", () => {
    const roles = new Map([["call-first", ["a"]], ["support", ["b", "a"]]] as const);
    const lines = new Set(["a", "b", "c"]);
    expect(resolveLines(["support", "c", "call-first"], roles, lines)).toEqual({ ids: ["b", "a", "c"], unknown: [], unfilled: [] });
    expect(resolveLines(["emergency", "nope"], roles, lines)).toEqual({ ids: [], unknown: ["nope"], unfilled: ["emergency"] });
  });

  it("let a lesson name a need, printed as the line that fills it", async () => {
    const root = await kitWith(LESSON, (t) => t.replace("Call [[line-a]]", "Call [[call-first]]"));
    expect(await problemsOf(root)).toEqual([]);
  });

  it("report a role the region leaves empty once, with every lesson that uses it", async () => {
    const root = await kitWith(LESSON, (t) => t.replace("Call [[line-a]] if you need help.", "Call [[emergency]] now, or [[emergency]] later.\n\n::: helplines emergency\n:::"));
    const problems = (await problemsOf(root)).filter((p) => p.field === "roles.emergency");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "regions/XX.yaml" });
    expect(problems[0]!.message).toContain("11-13-fixture-lesson");
  });

  it("refuse a role naming a line the region does not have, with its line", async () => {
    const root = await kitWith("regions/XX.yaml", (t) => t.replace("roles: { call-first: line-a }", "roles:\n  call-first: line-a\n  support: [line-b, line-z]"));
    const problems = await problemsOf(root);
    expect(problems).toEqual([expect.objectContaining({ file: "regions/XX.yaml", line: 7, field: "roles.support" })]);
    expect(problems[0]!.message).toMatch(/unknown help line "line-z"/);
  });

  it("tell a lesson copied from another region which role to name", async () => {
    const root = await kitWith(LESSON, (t) => t.replace("Call [[line-a]]", "Call [[other-line]]"));
    await writeFile(
      path.join(root, "regions/YY.yaml"),
      "region: YY\nname: Elsewhere\nchecked: 2026-12-01\nroles: { report-online: other-line }\nlines:\n  - { id: other-line, name: O, short: O, for: O., contacts: [], source: s, confidence: unfilled }\n",
    );
    const [problem] = await problemsOf(root);
    expect(problem?.message).toContain("name the need instead, [[report-online]]");
  });

  it("print an in-person line as its name alone, so it reads inside a sentence", () => {
    const police = { id: "police", name: "Police", short: "Police", for: "x", source: "s", confidence: "confirmed" as const, contacts: [{ kind: "in-person" as const, value: "Any police station" }] };
    const html = renderMarkdown("Report it at a police station, to the [[report-crime]].", {
      lines: new Map([["police", police]]),
      roles: new Map([["report-crime", ["police"]]]),
      school: { counsellor: "the school counsellor" },
      defaultLines: [],
      t: (k) => k,
      disclosureSteps: [],
    });
    expect(html).toContain('to the <span class="helpline-ref" data-line="police"><strong>Police</strong></span>.');
    expect(html).not.toContain("Any police station");
  });
});

describe("lesson blocks", () => {
  it("refuse a block that is never closed, naming its line", async () => {
    const root = await kitWith(LESSON, (t) => `${t}\n::: note\nThis note swallows the rest.\n`);
    const problems = await problemsOf(root);
    expect(problems).toEqual([expect.objectContaining({ file: LESSON, field: "::: note", message: expect.stringMatching(/never closed/) })]);
  });

  it("refuse a block left open before the next one, naming both", async () => {
    const root = await kitWith(LESSON, (t) => t.replace("::: say\nDo not pay. Tell an adult you trust.\n:::", "::: say\nDo not pay. Tell an adult you trust."));
    const messages = (await problemsOf(root)).map((p) => p.message).join("\n");
    expect(messages).toMatch(/"::: say" is still open/);
  });

  it("refuse a message block that front matter does not list", async () => {
    const root = await kitWith(LESSON, (t) => t.replace("messages: [not-your-fault, ", "messages: ["));
    const problems = await problemsOf(root);
    expect(problems).toEqual([expect.objectContaining({ field: "messages", message: expect.stringMatching(/teaches "not-your-fault".*does not list it/) })]);
  });

  it("close each block with exactly what it opened (no stray </div>)", () => {
    const env = { lines: new Map(), roles: new Map(), school: {}, defaultLines: [], t: (k: string) => k, disclosureSteps: ["Stay calm."] };
    const html = renderMarkdown("::: disclosure\nMore.\n:::\n\n::: say\nHi.\n:::\n\n::: helplines\n:::\n\n::: split\n:::\n", env);
    expect(html.match(/<div\b/g)?.length).toBe(html.match(/<\/div>/g)?.length);
  });
});

describe("every kit file a builder edits", () => {
  it("refuses broken JSON in strings.json with its line", async () => {
    const root = await kitWith("lessons/en-XX/strings.json", (t) => t.replace(/\n\}\s*$/, ",\n}\n"));
    const problems = await problemsOf(root);
    expect(problems).toEqual([expect.objectContaining({ file: "lessons/en-XX/strings.json", message: expect.stringMatching(/^not valid JSON/) })]);
    expect(problems[0]!.line).toBeGreaterThan(1);
  });

  it("refuses unknown strings and a dropped or renamed placeholder in a second locale", async () => {
    const root = await fixtureKit();
    await mkdir(path.join(root, "lessons/xx-XX"));
    await writeFile(path.join(root, "lessons/xx-XX/locale.yaml"), "language: xx\nregion: XX\nname: Xx\nsource: en-XX\n");
    const strings = JSON.parse(await readFile(path.join(root, "lessons/en-XX/strings.json"), "utf8")) as Record<string, string>;
    const key = Object.keys(strings).find((k) => typeof strings[k] === "string" && /\{\w+\}/.test(strings[k]!))!;
    strings[key] = strings[key]!.replace(/\{(\w+)\}/, "{$1x}");
    strings["no.such.key"] = "x";
    await writeFile(path.join(root, "lessons/xx-XX/strings.json"), JSON.stringify(strings, null, 2));
    const problems = await problemsOf(root);
    expect(problems.map((p) => [p.file, p.field])).toEqual(
      expect.arrayContaining([
        ["lessons/xx-XX/strings.json", key],
        ["lessons/xx-XX/strings.json", "no.such.key"],
      ]),
    );
    expect(problems.find((p) => p.field === key)?.line).toBeGreaterThan(1);
  });

  it("refuses a translation whose source locale or lesson does not exist", async () => {
    const record = (source: string) => (t: string) => t.replace("---\n\n## Opening", `translation:\n  source: ${source}\n  sourceHash: abcdef012345\n  status: draft\n---\n\n## Opening`);
    const noLocale = await kitWith(LESSON, record("zz-ZZ"));
    expect((await problemsOf(noLocale)).filter((p) => p.field === "translation.source")).toEqual([
      expect.objectContaining({ file: LESSON, line: 19, message: expect.stringMatching(/no locale "zz-ZZ"/) }),
    ]);
    const root = await fixtureKit();
    await mkdir(path.join(root, "lessons/xx-XX"));
    await writeFile(path.join(root, "lessons/xx-XX/locale.yaml"), "language: xx\nregion: XX\nname: Xx\nsource: en-XX\n");
    await writeFile(path.join(root, "lessons/xx-XX/strings.json"), await readFile(path.join(root, "lessons/en-XX/strings.json")));
    await writeFile(path.join(root, "lessons/xx-XX/11-13-renamed.md"), record("en-XX")(await readFile(path.join(root, LESSON), "utf8")));
    expect((await problemsOf(root)).filter((p) => p.field === "translation.source")).toEqual([
      expect.objectContaining({ file: "lessons/xx-XX/11-13-renamed.md", message: expect.stringMatching(/lessons\/en-XX\/11-13-renamed\.md does not exist/) }),
    ]);
  });

  it("refuses an unknown contact kind in a region file with its line", async () => {
    const root = await kitWith("regions/XX.yaml", (t) => t.replace("kind: phone", "kind: pager"));
    expect(await problemsOf(root)).toEqual([expect.objectContaining({ file: "regions/XX.yaml", line: 14, field: "lines.0.contacts.0.kind" })]);
  });

  it("warn when a region was last checked more than a year ago", () => {
    const today = new Date("2026-12-01T12:00:00Z");
    expect(staleCheck("2026-01-15", today)).toBeUndefined();
    expect(staleCheck("2025-11-30", today)).toMatch(/more than a year ago/);
    expect(staleCheck("soon", today)).toMatch(/not a date/);
  });
});

describe("the command line", () => {
  it.each([
    [["frob"], /unknown command "frob"/],
    [["build", "--nope"], /Unknown option '--nope'/],
    [["build", "--locale", "zz-ZZ"], /--locale zz-ZZ: no such locale/],
    [["check", "--concurrency", "0"], /--concurrency 0/],
  ])("kit %s exits 2 with one line and the usage", async (args, message) => {
    const root = await fixtureKit();
    const { code, stderr } = await kit([...args, "--root", root]);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toMatch(message);
    expect(stderr).toContain("Usage: kit <command>");
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("exits 2 when --out is a file, and writes nothing there", async () => {
    const root = await fixtureKit();
    const file = path.join(await tempDir(), "not-a-folder");
    await writeFile(file, "keep me");
    const { code, stderr } = await kit(["build", "--root", root, "--out", file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is a file, expected a folder/);
    expect(await readFile(file, "utf8")).toBe("keep me");
  });

  it("exits 1 for a bad kit file, with file, line and field", async () => {
    const root = await kitWith(LESSON, (t) => `${t}\n::: say\nOpen.\n`);
    const { code, stderr } = await kit(["check", "--root", root]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/lessons\/en-XX\/11-13-fixture-lesson\.md:\d+: ::: say: is never closed/);
  });
});

describe("kit new-locale", () => {
  it("writes one empty slot per role the source region fills itself, and copies none of its words", async () => {
    // A lesson that names needs, as the shipped lessons do.
    const root = await kitWith(LESSON, (t) => t.replace("[[line-a]]", "[[call-first]]"));
    const region = path.join(root, "regions/XX.yaml");
    await writeFile(region, (await readFile(region, "utf8")).replace("name: Line B Support", "name: { en: Line B Support, xx: Lina B }").replace("roles: { call-first: line-a }", "roles: { call-first: line-a, support: [line-b] }"));
    const { code, stdout } = await kit(["new-locale", "en-ZZ", "--from", "en-XX", "--region", "ZZ", "--root", root]);
    expect(code, stdout).toBe(0);
    const scaffold = await readFile(path.join(root, "regions/ZZ.yaml"), "utf8");
    expect(scaffold).not.toContain("[object Object]");
    for (const copied of ["Line A", "Line B", "Lina B", "Testing", "Testland"]) expect(scaffold).not.toContain(copied);
    expect(scaffold).toMatch(/call-first:\n\s+- call-first-line/);
    expect(scaffold).toMatch(/support:\n\s+- support-line/);
    // The new kit builds once its slots are filled: nothing in a lesson to edit.
    const problems = await problemsOf(root);
    expect(problems.filter((p) => p.file.startsWith("lessons/en-ZZ/"))).toEqual([]);
  });
});
