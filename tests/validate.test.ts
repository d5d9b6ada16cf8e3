// Loading and validation on tiny fixture trees: the good one and each
// broken one named in the pipeline issue (#2).
import { describe, expect, it } from "vitest";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import { loadKit, parseLesson } from "../scripts/pipeline/load.ts";
import { KitError, type Problem } from "../scripts/core/problems.ts";
import { validate } from "../scripts/pipeline/validate.ts";
import { fixtureKit, LESSON, SCENARIOS } from "./helpers.ts";

async function problemsOf(scenario: string): Promise<Problem[]> {
  const root = await fixtureKit(scenario);
  const problems: Problem[] = [];
  validate(await loadKit(root, problems), problems);
  return problems;
}

describe("load and validate", () => {
  it("accepts the good fixture and reads its lesson", async () => {
    const kit = await loadValidKit(await fixtureKit());
    const [locale] = kit.locales;
    expect(locale?.code).toBe("en-XX");
    expect(locale?.region.lines.get("line-a")?.short).toBe("Line A");
    const lesson = locale?.lessons[0];
    expect(lesson?.id).toBe("11-13-fixture-lesson");
    expect(lesson?.meta.messages).toHaveLength(7);
    expect(lesson?.variants).toEqual(["letter", "plan", "family", "worksheet"]);
    expect(lesson?.blocks.map((b) => b.name)).toEqual(["say", "message", "helplines", "disclosure", ...Array(6).fill("message"), "card"]);
    expect(lesson?.helplineIds).toEqual(["line-a"]);
  });

  it("keeps file line numbers for front matter and body", () => {
    const problems: Problem[] = [];
    const lesson = parseLesson("---\ntitle: x\nband: adults\n---\nBody\n", "l.md", "en-XX", problems);
    expect(problems).toEqual([]);
    expect(lesson.front.lineOf(["band"])).toBe(3);
    expect(lesson.bodyLine).toBe(5);
  });

  it("names the file and line of broken YAML", async () => {
    const problems = await problemsOf("broken-yaml");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "lessons/en-XX/11-13-fixture-lesson.md", line: 4 });
    expect(problems[0]?.message).toMatch(/not valid YAML/);
  });

  it("reports every wrong field of a file, not only the first", async () => {
    const problems = await problemsOf("missing-field");
    const byField = Object.fromEntries(problems.map((p) => [p.field, p]));
    expect(byField.title?.message).toMatch(/is missing/);
    expect(byField.title?.line).toBe(2);
    expect(byField.duration).toMatchObject({ line: 3 });
    expect(byField.duration?.message).toMatch(/expected number/);
  });

  it("names the band that is not one of the four", async () => {
    const [problem, ...rest] = await problemsOf("unknown-band");
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ field: "band", line: 3 });
    expect(problem?.message).toContain('is "12-14", expected one of "8-10", "11-13", "14-17", "adults"');
  });

  it("names an unknown message id in front matter and in the body", async () => {
    const problems = await problemsOf("unknown-message");
    expect(problems.find((p) => p.field === "messages.1")).toMatchObject({ line: 6 });
    expect(problems.find((p) => p.field === "::: message")).toMatchObject({ line: 26 });
    expect(problems.find((p) => p.field === "::: message")?.message).toMatch(/unknown message id "be-brave"/);
  });

  it("names an unknown help line reference with its line", async () => {
    const [problem, ...rest] = await problemsOf("unknown-helpline");
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ field: "[[line-z]]", line: 33 });
    expect(problem?.message).toMatch(/expected a role \(.*call-first.*\) or a line of this locale's region \(line-a, line-b\)/);
  });

  it("throws one KitError carrying all problems", async () => {
    const root = await fixtureKit("missing-field");
    const error = await loadValidKit(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect((error as KitError).problems.length).toBeGreaterThanOrEqual(2);
  });
});

describe("markdown cannot inject HTML or script", () => {
  it("refuses raw HTML and javascript: links, naming each line", async () => {
    const problems = await problemsOf("raw-html");
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [35, "html"],
      [37, "html"],
      [37, "html"],
      [37, "link"],
    ]);
    expect(problems.find((p) => p.field === "link")?.message).toMatch(/link to "javascript:alert/);
  });

  it("escapes raw HTML even if it reached the renderer", async () => {
    const { renderMarkdown } = await import("../scripts/core/markdown.ts");
    const html = renderMarkdown('<script>alert("x")</script>\n\n[a](javascript:alert(1)) <img src=x onerror=y>', {
      lines: new Map(),
      roles: new Map(),
      school: {},
      defaultLines: [],
      t: (key) => key,
      disclosureSteps: [],
    });
    expect(html).not.toMatch(/<script|<img|href="javascript/);
    expect(html).toContain("&#60;script&#62;");
  });
});

describe("fixture scenarios", () => {
  it("each still applies to the base kit", async () => {
    for (const name of Object.keys(SCENARIOS)) await expect(fixtureKit(name), name).resolves.toBeTypeOf("string");
  });

  it("fail loudly when a patch no longer finds its text, or finds it twice", async () => {
    await expect(fixtureKit([{ file: LESSON, find: "text the lesson does not hold", replace: "" }])).rejects.toThrow(/occurs 0 times, expected once/);
    await expect(fixtureKit([{ file: LESSON, find: ":::", replace: "" }])).rejects.toThrow(/occurs \d+ times, expected once/);
  });
});
