// Review sheets and sign-off (`kit review`), and what `kit status` says
// about reviews and out-of-date sources (`--diff`), on the fixture kit with
// a second locale, xx-XX, scaffolded by the real `kit new-locale` and then
// translated in part. Every command runs as a process, as a kit builder
// runs it; the sheets are real PDFs read with pdf.js.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { newLocale } from "../scripts/cli/new-locale.ts";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import { sourceHash } from "../scripts/pipeline/translations.ts";
import { fixtureKit, pdfText, PROJECT, tempDir } from "./helpers.ts";

const run = promisify(execFile);
const ID = "11-13-fixture-lesson";
const SOURCE = `lessons/en-XX/${ID}.md`;
const TARGET = `lessons/xx-XX/${ID}.md`;
/** Source text and its "translation", each in a segment of its own. */
const SAY = ["Do not pay. Tell an adult you trust.", "Jangan bayar. Beritahu orang dewasa yang kamu percayai."];
const MESSAGE = ["Do not pay and do not send more.", "Jangan bayar dan jangan hantar lagi."];
const CALL = ["Call [[line-a]] if you need help.", "Hubungi [[line-a]] jika kamu perlu bantuan."];

async function kit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node", [path.join(PROJECT, "bin/kit.js"), ...args], { env: { ...process.env, CI: "1" } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** The fixture kit with xx-XX scaffolded and its lesson translated in three segments, marked draft, with a comment in its front matter. */
async function translatedKit(): Promise<string> {
  const root = await fixtureKit();
  await newLocale(root, await loadValidKit(root), "xx-XX", "en-XX", "XX");
  let text = await readFile(path.join(root, TARGET), "utf8");
  for (const [from, to] of [SAY, MESSAGE, CALL]) text = text.replace(`${from!}\n`, `${to!}\n`);
  text = text.replace("status: untranslated", "status: draft").replace("translation:\n", "# Checked against the glossary.\ntranslation:\n");
  await writeFile(path.join(root, TARGET), text);
  return root;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("kit review", () => {
  let root: string;
  beforeAll(async () => {
    root = await translatedKit();
  });

  it("prints a side-by-side sheet: source and translation of a segment on one page, messages and help lines marked, a sign-off box", async () => {
    const out = await tempDir();
    const done = await kit(["review", "xx-XX", ID, "--root", root, "--out", out]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    // Not a terminal: plain progress lines, no bar.
    expect(done.stdout).toContain("Review sheets 1/1, done in");
    expect(done.stdout).not.toContain("\r");
    const file = path.join(out, `${ID}.pdf`);
    const { pages, text } = await pdfText(file);
    for (const [source, target] of [SAY, MESSAGE]) {
      expect(pages.some((p) => p.includes(source!) && p.includes(target!)), source).toBe(true);
    }
    // The reference, with what it prints in this region (Line A and its first contact).
    expect(text).toMatch(/\[\[line-a\]\] \(Line A, [^)]+\) if you need help/);
    expect(text).toMatch(/Hubungi \[\[line-a\]\] \(Line A, [^)]+\) jika/);
    expect(text).toContain("MESSAGE: DONT-PAY");
    expect(text).toContain("Prints these help lines of region XX: Line A");
    // Segment ids in the margin, as in the translation files.
    expect(text).toMatch(/b\d+\.p1 Do not pay\. Tell an adult/);
    // The head and the sign-off box.
    // The facts' labels end in a colon from the stylesheet, which pdf.js reads as a word of its own.
    const head = pages[0]!.replace(/ :/g, ":");
    expect(head).toContain(`Source hash: ${sourceHash(await readFile(path.join(root, SOURCE), "utf8"))} now`);
    expect(head).toContain("Status: draft");
    expect(head).toContain("Source locale: en-XX");
    for (const words of ["Sign-off", "Reviewer name", "Date", "Signature", "Changes needed", "Approved as it is"]) expect(pages.at(-1)).toContain(words);
    const info = await run("pdfinfo", [file]);
    expect(info.stdout).toMatch(/Tagged:\s+yes/);
    expect(info.stdout).toMatch(/Page size:.*\(A4\)/);
    const fonts = await run("pdffonts", [file]);
    const rows = fonts.stdout.split("\n").slice(2).filter(Boolean);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row, row).toMatch(/NotoSans\S* .* yes yes yes/);
  }, 60_000);

  it("says so on the sheet when the translation does not line up, and pairs it block by block", async () => {
    const kitRoot = await translatedKit();
    const text = await readFile(path.join(kitRoot, TARGET), "utf8");
    // An adaptation with one paragraph more than its source.
    await writeFile(path.join(kitRoot, TARGET), text.replace(`${CALL[1]}\n`, `${CALL[1]}\n\nSatu perenggan tambahan.\n`));
    const out = await tempDir();
    expect((await kit(["review", "xx-XX", ID, "--root", kitRoot, "--out", out])).code).toBe(0);
    const { pages, text: all } = await pdfText(path.join(out, `${ID}.pdf`));
    expect(all).toContain("Does not line up segment by segment");
    expect(all).toMatch(/\(nothing here\) Satu perenggan tambahan\./);
    expect(pages.some((p) => p.includes(MESSAGE[0]!) && p.includes(MESSAGE[1]!))).toBe(true);
  }, 60_000);

  it("--sign writes status, reviewer, date and source hash, and leaves the rest of the file byte-identical; kit status shows it, and a later source edit", async () => {
    const kitRoot = await translatedKit();
    const before = await readFile(path.join(kitRoot, TARGET), "utf8");
    const hash = sourceHash(await readFile(path.join(kitRoot, SOURCE), "utf8"));
    const signed = await kit(["review", "xx-XX", ID, "--sign", "Ana Lee", "--root", kitRoot]);
    expect(signed.stderr).toBe("");
    expect(signed.code).toBe(0);
    const after = await readFile(path.join(kitRoot, TARGET), "utf8");
    expect(after).toBe(before.replace("  status: draft\n", `  status: reviewed\n  reviewer: "Ana Lee"\n  reviewedOn: "${today()}"\n  reviewedHash: "${hash}"\n`));
    const front = parse(after.split("\n---\n")[0]!.slice(4)) as { translation: Record<string, string> };
    expect(front.translation).toMatchObject({ status: "reviewed", reviewer: "Ana Lee", reviewedOn: today(), reviewedHash: hash });

    const status = await kit(["status", "--root", kitRoot]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${ID}: reviewed by Ana Lee on ${today()} against source ${hash}; the source has not changed since`);
    // Signing again replaces the values in place: still one of each.
    expect((await kit(["review", "xx-XX", ID, "--sign", "Bo Tan", "--root", kitRoot])).code).toBe(0);
    const twice = await readFile(path.join(kitRoot, TARGET), "utf8");
    expect(twice).toBe(after.replace('reviewer: "Ana Lee"', 'reviewer: "Bo Tan"'));

    const source = await readFile(path.join(kitRoot, SOURCE), "utf8");
    await writeFile(path.join(kitRoot, SOURCE), source.replace("Stay calm.", "Stay calm and listen."));
    const changed = await kit(["status", "--root", kitRoot]);
    expect(changed.stdout).toContain(`${ID}: reviewed by Bo Tan on ${today()} against source ${hash}; the source has CHANGED since (now ${sourceHash(source.replace("Stay calm.", "Stay calm and listen."))})`);
    // An out-of-date translation cannot be signed: its reviewer would sign for text made from an older source.
    const refused = await kit(["review", "xx-XX", ID, "--sign", "Ana Lee", "--root", kitRoot]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${TARGET}: translation.sourceHash: is out of date`);
  }, 60_000);

  it("status --diff finds the version translated from in git history and prints what changed; outside git it says so", async () => {
    const kitRoot = await translatedKit();
    const git = (...args: string[]) => run("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", ...args], { cwd: kitRoot });
    const v1 = await readFile(path.join(kitRoot, SOURCE), "utf8");
    const edit = () => writeFile(path.join(kitRoot, SOURCE), v1.replace("Stay calm.\n", "Stay calm and listen.\n").replace("It is not your fault.\n", "It is never your fault.\n"));

    // Not a git checkout yet: said plainly, with what to do.
    await edit();
    const outside = await kit(["status", "xx-XX", "--diff", "--root", kitRoot]);
    expect(outside.code).toBe(0);
    expect(outside.stdout).toContain("is not a git checkout");
    expect(outside.stdout).toContain(`kit review xx-XX ${ID} prints them side by side`);
    await writeFile(path.join(kitRoot, SOURCE), v1);

    await git("init", "-q");
    await git("add", "-A");
    await git("commit", "-qm", "v1: source, and xx-XX translated from it");
    await edit();
    await git("commit", "-qam", "v2: the source changes");
    const diff = await kit(["status", "xx-XX", "--diff", ID, "--root", kitRoot]);
    expect(diff.stderr).toBe("");
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(`--- ${SOURCE}\ttranslated from: source hash ${sourceHash(v1)}`);
    expect(diff.stdout).toMatch(/^-Stay calm\.$/m);
    expect(diff.stdout).toMatch(/^\+Stay calm and listen\.$/m);
    expect(diff.stdout).toMatch(/^-It is not your fault\.$/m);
    expect(diff.stdout).toMatch(/^\+It is never your fault\.$/m);
    // Lines that did not change are context, not changes.
    expect(diff.stdout).not.toMatch(/^[-+]Tell an adult you trust\.$/m);
  }, 60_000);

  it("refuses bad command lines with exit 2, and a lesson that is not a translation with exit 1 naming its file", async () => {
    const bad = [
      ["review", "zz-ZZ"],
      ["review", "en-XX"],
      ["review", "xx-XX", "no-such-lesson"],
      ["review", "xx-XX", "--sign", "Ana Lee"],
      ["status", "--diff"],
      ["status", "xx-XX", "--diff", "no-such-lesson"],
      ["build", "--sign", "Ana Lee"],
    ];
    // At once: each is a process that mostly waits on its own start-up.
    const runs = await Promise.all(bad.map((args) => kit([...args, "--root", root])));
    runs.forEach((done, i) => {
      expect(done.code, bad[i]!.join(" ")).toBe(2);
      expect(done.stderr, bad[i]!.join(" ")).toMatch(/^kit: /);
      expect(done.stderr).not.toMatch(/\n\s+at /);
    });
    const kitRoot = await translatedKit();
    const text = await readFile(path.join(kitRoot, TARGET), "utf8");
    await writeFile(path.join(kitRoot, TARGET), text.replace(/# Checked[^]*?\n---\n/, "---\n"));
    const out = await tempDir();
    const refused = await Promise.all([["review", "xx-XX", ID, "--out", out], ["review", "xx-XX", ID, "--sign", "Ana Lee"]].map((args) => kit([...args, "--root", kitRoot])));
    for (const done of refused) {
      expect(done.code).toBe(1);
      expect(done.stderr).toContain(`${TARGET}: translation: is not a translation`);
    }
    expect(existsSync(path.join(out, `${ID}.pdf`))).toBe(false);
    expect(await readFile(path.join(kitRoot, TARGET), "utf8")).toBe(text.replace(/# Checked[^]*?\n---\n/, "---\n"));
  }, 90_000);
});
