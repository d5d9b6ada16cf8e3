// Terminology the build enforces (issue 11, items 18 and 19): each shipped
// glossary on the small fixture kit, with a passing and a failing text, and
// another region's local words in a lesson (a warning; --strict fails).
import { execFile } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import type { Problem } from "../scripts/core/problems.ts";
import { fixtureKit, PROJECT } from "./helpers.ts";

const run = promisify(execFile);
const LOCALE = "lessons/en-XX";
const LESSON = `${LOCALE}/11-13-fixture-lesson.md`;

/** Replaces `from` by `to` in one file of the kit; fails loudly if `from` is not there. */
async function patch(root: string, file: string, from: string, to: string): Promise<void> {
  const full = path.join(root, file);
  const text = await readFile(full, "utf8");
  expect(text, `${file} holds the text to patch`).toContain(from);
  await writeFile(full, text.replace(from, to));
}

/** The fixture kit with a shipped locale's glossary as its own. */
async function withGlossary(locale: string): Promise<string> {
  const root = await fixtureKit();
  await copyFile(path.join(PROJECT, "lessons", locale, "glossary.yaml"), path.join(root, LOCALE, "glossary.yaml"));
  return root;
}

/** Every problem and warning of the kit's checks; an empty list when it passes. */
async function checked(root: string): Promise<{ problems: Problem[]; warnings: Problem[] }> {
  const warnings: Problem[] = [];
  try {
    await loadValidKit(root, {}, warnings);
    return { problems: [], warnings };
  } catch (error) {
    return { problems: (error as { problems?: Problem[] }).problems ?? [String(error) as never], warnings };
  }
}

/** The fixture lesson's line holding `text`. */
async function lineOf(root: string, file: string, text: string): Promise<number> {
  return (await readFile(path.join(root, file), "utf8")).split("\n").findIndex((l) => l.includes(text)) + 1;
}

describe("ms-MY glossary", () => {
  it("passes the base fixture, and padam where it means delete", async () => {
    const root = await withGlossary("ms-MY");
    await patch(root, LESSON, "Block, and keep the messages.", "Sekat orang itu. Jangan padam gambar atau perbualan itu.\nSimpan bukti dan minta gambar itu diturunkan dari internet.\n\n- Padam perbualan itu\n- Laporkan gambar itu di platform");
    expect(await checked(root)).toEqual({ problems: [], warnings: [] });
  });

  it("reports padam for taking an image down, over a wrapped line, with file, line and term", async () => {
    const root = await withGlossary("ms-MY");
    await patch(root, LESSON, "Block, and keep the messages.", "Orang dewasa boleh membantu supaya gambar itu dipadam\ndari internet.");
    const { problems } = await checked(root);
    expect(problems).toEqual([expect.objectContaining({ file: LESSON, line: await lineOf(root, LESSON, "dipadam"), rule: "glossary/take-down" })]);
    expect(problems[0]!.message).toContain('use "diturunkan / dibuang dari internet"');
  });

  it("reports each safety word in front matter, strings and region texts", async () => {
    const root = await withGlossary("ms-MY");
    await patch(root, LESSON, "  - Nothing.", "  - Kad tentang gambar peribadi.");
    await patch(root, `${LOCALE}/strings.json`, '"Get help now"', '"Kalau kamu pernah rasa takut"');
    await patch(root, "regions/XX.yaml", "for: Testing support.", "for: Sokongan untuk mangsa ugutan seks.");
    const { problems } = await checked(root);
    expect(problems.map((p) => [p.file, p.line, p.rule])).toEqual([
      [LESSON, await lineOf(root, LESSON, "gambar peribadi"), "glossary/intimate-image"],
      [`${LOCALE}/strings.json`, await lineOf(root, `${LOCALE}/strings.json`, "pernah rasa"), "glossary/if-you-feel"],
      ["regions/XX.yaml", await lineOf(root, "regions/XX.yaml", "ugutan seks"), "glossary/sextortion"],
    ]);
  });
});

describe("English glossary", () => {
  it("passes the base fixture and the right term", async () => {
    const root = await withGlossary("en-MY");
    await patch(root, LESSON, "It is not your fault.", "Intimate image abuse and child sexual abuse material are crimes. It is not your fault.");
    expect(await checked(root)).toEqual({ problems: [], warnings: [] });
  });

  it("reports revenge porn and child pornography, once each, with the term to use", async () => {
    const root = await withGlossary("en-US");
    await patch(root, LESSON, "It is not your fault.", "Some call it revenge porn. It is not your fault.");
    await patch(root, LESSON, "Stay calm.", "Never call it child pornography.");
    const { problems } = await checked(root);
    expect(problems.map((p) => [p.line, p.rule])).toEqual([
      [await lineOf(root, LESSON, "child pornography"), "glossary/csam"],
      [await lineOf(root, LESSON, "revenge porn"), "glossary/intimate-image-abuse"],
    ]);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('use "child sexual abuse material"'), expect.stringContaining('use "intimate image abuse"')]);
  });

  it("reports a bad glossary entry with its file, line and field", async () => {
    const root = await fixtureKit();
    await writeFile(path.join(root, LOCALE, "glossary.yaml"), "csam:\n  use: child sexual abuse material\n  note: guide\n  avoid:\n    - child porn(\n");
    const { problems } = await checked(root);
    expect(problems).toEqual([expect.objectContaining({ file: `${LOCALE}/glossary.yaml`, line: 5, field: "csam.avoid.0.phrase" })]);
    expect(problems[0]!.message).toMatch(/not a valid regular expression/);
  });
});

describe("local terms", () => {
  /** The fixture with a second region, YY, whose words must not appear in Testland's lessons. */
  async function withNeighbour(): Promise<string> {
    const root = await fixtureKit();
    await writeFile(
      path.join(root, "regions/YY.yaml"),
      "region: YY\nname: Yonderland\nchecked: 2026-12-01\nlocalTerms: [Yonderfest, counsellor]\nlines: []\n",
    );
    await patch(root, "regions/XX.yaml", "default: [line-a]", "school: { counsellor: the school adviser }\ndefault: [line-a]");
    return root;
  }
  const kit = (args: string[]) => run("node", [path.join(PROJECT, "bin/kit.js"), ...args]).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);

  it("are not text inside [[...]] references", async () => {
    const root = await withNeighbour();
    await patch(root, LESSON, "  - Nothing.", "  - Ask [[school:counsellor]] and [[line-a]] first.");
    await patch(root, LESSON, "Stay calm.", "Stay calm and tell [[school:counsellor]].");
    expect(await checked(root)).toEqual({ problems: [], warnings: [] });
  });

  it("of another region warn with file and line, and fail with --strict", async () => {
    const root = await withNeighbour();
    await patch(root, LESSON, "  - Nothing.", "  - Cards about Yonderfest.");
    await patch(root, LESSON, "Stay calm.", "Stay calm and tell the\ncounsellor.");
    const { problems, warnings } = await checked(root);
    expect(problems).toEqual([]);
    expect(warnings.map((w) => [w.file, w.line, w.rule, w.severity])).toEqual([
      [LESSON, await lineOf(root, LESSON, "Yonderfest"), "local-terms/YY", "warning"],
      [LESSON, await lineOf(root, LESSON, "counsellor."), "local-terms/YY", "warning"],
    ]);
    const plain = await kit(["check", "--root", root]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/11-13-fixture-lesson\.md:\d+: warning: "Yonderfest" is a local term of regions\/YY\.yaml/);
    const strict = await kit(["check", "--strict", "--root", root]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("[local-terms/YY]");
  });
});
