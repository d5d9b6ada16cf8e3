// The content checks of the curriculum issue (#3), each on a fixture that
// passes (base) and one that fails.
import { describe, expect, it } from "vitest";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import { runContentChecks } from "../scripts/pipeline/check.ts";
import { loadKit } from "../scripts/pipeline/load.ts";
import type { Problem } from "../scripts/core/problems.ts";
import { validate } from "../scripts/pipeline/validate.ts";
import { fixtureKit, PROJECT } from "./helpers.ts";

async function contentProblems(scenario?: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const { kit } = validate(await loadKit(await fixtureKit(scenario), problems), problems);
  expect(problems, "the fixture is well formed").toEqual([]);
  runContentChecks(kit!, problems);
  return problems;
}

const FILE = "lessons/en-XX/11-13-fixture-lesson.md";

describe("content checks", () => {
  it("pass on the base fixture", async () => {
    expect(await contentProblems()).toEqual([]);
  });

  it("pass on the default kit", async () => {
    await expect(loadValidKit(PROJECT)).resolves.toBeDefined();
  });

  it("find the messages a band does not teach", async () => {
    const [problem, ...rest] = await contentProblems("check-coverage");
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: "lessons/en-XX", field: "band 11-13", rule: "messages/coverage" });
    expect(problem?.message).toContain("take-down, support");
  });

  it("find phone numbers, emails and web addresses typed into a lesson", async () => {
    const problems = await contentProblems("check-typed-contact");
    expect(problems.map((p) => p.rule)).toEqual(["contacts/from-region-data"]);
    expect(problems[0]).toMatchObject({ file: FILE, line: 35 });
    expect(problems[0]?.message).toMatch(/email address "help@example.org"/);
  });

  it("find each kind of typed contact on its own", async () => {
    const { typedContact } = await import("../scripts/pipeline/check.ts");
    const codes = new Set(["15999"]);
    expect(typedContact("Call 03-7627 2929 now", codes)).toMatch(/phone number/);
    expect(typedContact("Go to takeitdown.ncmec.org", codes)).toMatch(/web address/);
    expect(typedContact("Dial 15999 any time", codes)).toMatch(/help line number "15999"/);
    expect(typedContact("A 50 minute lesson for ages 11-13, 2026", codes)).toBeUndefined();
  });

  it("find words the guide rules out, with rule and line", async () => {
    const problems = await contentProblems("check-ruled-out");
    expect(problems).toEqual([
      expect.objectContaining({ file: FILE, line: 13, rule: "words/csam" }),
      expect.objectContaining({ file: FILE, line: 23, rule: "words/no-blame" }),
    ]);
  });

  it("find suggested wording above the band's reading level", async () => {
    const [problem, ...rest] = await contentProblems("check-reading-level");
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: FILE, line: 23, rule: "reading-level", field: "::: say" });
    expect(problem?.message).toMatch(/grade \d+\.\d, above 7 for band 11-13/);
  });
});
