// Translation files: `kit export` writes XLIFF 2.0 or PO, `kit import`
// writes it back in place. The fixture kit gets a second locale made by the
// real `kit new-locale`; the shipped kit's translated locales are read from
// lessons/*/locale.yaml, so a kit builder's new locale is covered too.
import { execFile } from "node:child_process";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import gettextParser from "gettext-parser";
import xliff2js from "xliff/xliff2js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { exportTranslations, type Format } from "../scripts/cli/export.ts";
import { importTranslations } from "../scripts/cli/import.ts";
import { newLocale } from "../scripts/cli/new-locale.ts";
import { KitError } from "../scripts/core/problems.ts";
import { loadValidKit } from "../scripts/pipeline/build.ts";
import { sourceHash } from "../scripts/pipeline/translations.ts";
import { fixtureKit, PROJECT, tempDir } from "./helpers.ts";

const run = promisify(execFile);
const LESSON = "11-13-fixture-lesson.md";
const SOURCE = `lessons/en-XX/${LESSON}`;
const TARGET = `lessons/xx-XX/${LESSON}`;

async function kit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("node", [path.join(PROJECT, "bin/kit.js"), ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** Every file under lessons/ and regions/, by path, for byte comparisons. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dir of ["lessons", "regions"]) {
    for (const entry of await readdir(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(root, file), await readFile(file, "latin1"));
    }
  }
  return files;
}

function expectSame(after: Map<string, string>, before: Map<string, string>): void {
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  const changed = [...before].filter(([file, text]) => after.get(file) !== text).map(([file]) => file);
  expect(changed).toEqual([]);
}

/** The fixture kit with xx-XX scaffolded from en-XX by `kit new-locale` (untranslated copies). */
async function withTarget(): Promise<string> {
  const root = await fixtureKit();
  await newLocale(root, await loadValidKit(root), "xx-XX", "en-XX", "XX");
  return root;
}

/** A PO file exported for xx-XX with some targets set: id -> new text. */
async function translatedPo(root: string, targets: Record<string, string>): Promise<string> {
  const out = path.join(await tempDir(), "xx-XX.po");
  await exportTranslations(await loadValidKit(root), "xx-XX", "po", out);
  const po = gettextParser.po.parse(await readFile(out));
  for (const [id, text] of Object.entries(targets)) {
    const entry = Object.values(po.translations[id] ?? {})[0];
    if (!entry) throw new Error(`no segment ${id} in the export`);
    entry.msgstr = [text];
  }
  await writeFile(out, gettextParser.po.compile(po));
  return out;
}

describe("kit export and kit import", () => {
  it("write a translated segment back in its place, with the source hash and status: draft, and nothing else", async () => {
    const root = await withTarget();
    // The source moves on after the copy was made: the record must catch up.
    const source = (await readFile(path.join(root, SOURCE), "utf8")).replace("Stay calm.", "Stay calm and listen.");
    await writeFile(path.join(root, SOURCE), source);
    const before = await readFile(path.join(root, TARGET), "utf8");
    const oldHash = /sourceHash: "?(\w+)"?/.exec(before)![1]!;
    expect(oldHash).not.toBe(sourceHash(source));
    const file = await translatedPo(root, {
      [`lessons/${LESSON}#title`]: "Pelajaran ujian",
      [`lessons/${LESSON}#b5`]: "Hubungi [[line-a]] jika kamu perlukan bantuan.",
      [`lessons/${LESSON}#b6.p1`]: "Bertenang dan dengar.",
      [`lessons/${LESSON}#b13.title`]: "Sembang permainan",
      "strings.json#lesson.minutes": "{minutes} minit",
      "regions/XX.yaml#lines.line-a.for": "Untuk ujian.",
    });
    const result = await kit(["import", file, "--root", root]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const after = await readFile(path.join(root, TARGET), "utf8");
    // The copy still held the old "Stay calm." line: it is the one replaced.
    const expected = before
      .replace("title: Fixture lesson", "title: Pelajaran ujian")
      .replace(oldHash, sourceHash(source))
      .replace("status: untranslated", "status: draft")
      .replace("Call [[line-a]] if you need help.", "Hubungi [[line-a]] jika kamu perlukan bantuan.")
      .replace("::: disclosure\nStay calm.\n:::", "::: disclosure\nBertenang dan dengar.\n:::")
      .replace("::: card The game chat", "::: card Sembang permainan");
    expect(after).toBe(expected);
    const strings = JSON.parse(await readFile(path.join(root, "lessons/xx-XX/strings.json"), "utf8")) as Record<string, string>;
    expect(strings["lesson.minutes"]).toBe("{minutes} minit");
    const region = parse(await readFile(path.join(root, "regions/XX.yaml"), "utf8")) as { lines: { for: unknown }[] };
    expect(region.lines[0]!.for).toEqual({ en: "Testing.", xx: "Untuk ujian." });
    // What was written still builds into a valid kit.
    await loadValidKit(root);
  });

  it.each(["xliff", "po"] as const)("round trip (%s) with nothing translated leaves every file byte-identical: fixture kit", async (format: Format) => {
    const root = await withTarget();
    // A first import makes a draft with real translations, so the round trip has targets to carry.
    await importTranslations(await loadValidKit(root), await translatedPo(root, { [`lessons/${LESSON}#b2.p1`]: "Jangan bayar. Beritahu orang dewasa yang kamu percayai.", "strings.json#site.skip": "Langkau" }));
    const before = await snapshot(root);
    const out = path.join(await tempDir(), `xx-XX.${format}`);
    const exported = await kit(["export", "xx-XX", "--format", format, "--out", out, "--root", root]);
    expect(exported.code).toBe(0);
    expect(await readFile(out, "utf8")).toContain("Jangan bayar. Beritahu orang dewasa yang kamu percayai.");
    const imported = await kit(["import", out, "--root", root]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("Nothing changed");
    expectSame(await snapshot(root), before);
  });

  it("round trip (XLIFF and PO) leaves every file of the shipped kit's translated locales byte-identical", async () => {
    const root = await tempDir();
    for (const entry of ["kit.config.yaml", "lessons", "regions"]) await cp(path.join(PROJECT, entry), path.join(root, entry), { recursive: true });
    const locales: string[] = [];
    for (const name of await readdir(path.join(root, "lessons"))) {
      const meta = await readFile(path.join(root, "lessons", name, "locale.yaml"), "utf8").catch(() => undefined);
      if (meta && (parse(meta) as { source?: string }).source) locales.push(name);
    }
    expect(locales.length).toBeGreaterThan(0);
    const before = await snapshot(root);
    const loaded = await loadValidKit(root);
    for (const code of locales) {
      for (const format of ["xliff", "po"] as const) {
        const out = path.join(root, `${code}.${format}`);
        const done = await exportTranslations(loaded, code, format, out);
        expect(done.units).toBeGreaterThan(0);
        const result = await importTranslations(loaded, out);
        expect(result.files, `${code} ${format}`).toEqual([]);
      }
    }
    expectSame(await snapshot(root), before);
  });

  it("refuses an import that would break a block, drop a [[reference]] or drop a {placeholder}, naming file and segment, and writes nothing", async () => {
    const root = await withTarget();
    const before = await snapshot(root);
    const file = await translatedPo(root, {
      [`lessons/${LESSON}#b6.p1`]: "Bertenang.\n:::\n\n::: note\nRahsia.",
      [`lessons/${LESSON}#b5`]: "Hubungi talian bantuan jika perlu.",
      "strings.json#lesson.minutes": "minit",
    });
    const result = await kit(["import", file, "--root", root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${TARGET}: lessons/${LESSON}#b6.p1: would break a block`);
    expect(result.stderr).toContain(`${TARGET}: lessons/${LESSON}#b5: drops the reference [[line-a]]`);
    expect(result.stderr).toContain("lessons/xx-XX/strings.json: strings.json#lesson.minutes: drops the placeholder {minutes}");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expectSame(await snapshot(root), before);
  });

  it("refuses an XLIFF target whose <ph> a tool let the translator delete", async () => {
    const root = await withTarget();
    const out = path.join(await tempDir(), "xx-XX.xlf");
    const loaded = await loadValidKit(root);
    await exportTranslations(loaded, "xx-XX", "xliff", out);
    const xml = await readFile(out, "utf8");
    const unit = /<unit id="b5"[^]*?<\/unit>/.exec(xml)![0];
    const broken = unit.replace(/<\/source>/, '</source><target>Hubungi talian bantuan.</target>');
    await writeFile(out, xml.replace(unit, broken));
    const error = await importTranslations(loaded, out).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect((error as KitError).problems).toEqual([expect.objectContaining({ file: TARGET, field: `lessons/${LESSON}#b5`, message: expect.stringContaining("drops the reference [[line-a]]") })]);
  });

  it("writes XLIFF 2.0 that the xliff library reads back, with references as <ph> the translator can neither delete nor copy", async () => {
    const root = await withTarget();
    const out = path.join(await tempDir(), "xx-XX.xlf");
    await exportTranslations(await loadValidKit(root), "xx-XX", "xliff", out);
    const xml = await readFile(out, "utf8");
    expect(xml).toMatch(/^<xliff xmlns="urn:oasis:names:tc:xliff:document:2\.0" version="2\.0" srcLang="en-XX" trgLang="xx-XX">/);
    // Core constraints the library does not check: ids are NMTOKENs, unique within their <file>.
    for (const file of xml.split("<file ").slice(1)) {
      const ids = [...file.matchAll(/<unit id="([^"]*)"/g)].map((m) => m[1]!);
      expect(ids.every((id) => /^[\p{L}\p{N}._:-]+$/u.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
    const js = await xliff2js(xml);
    expect(js.sourceLanguage).toBe("en-XX");
    expect(js.targetLanguage).toBe("xx-XX");
    const units = js.resources[`lessons_${LESSON}`]!;
    expect(units["b6.p1"]?.source).toBe("Stay calm.");
    expect(units["b6.p1"]?.additionalAttributes?.name).toBe(`lessons/${LESSON}#b6.p1`);
    expect(units.b5?.source).toEqual([
      "Call ",
      { Standalone: { id: "ref-line-a", equiv: "[[line-a]]", disp: "[[line-a]]", canCopy: "no", canDelete: "no" } },
      " if you need help.",
    ]);
    // An untranslated copy offers no target: a tool shows it as still to do.
    expect(units.b5?.target).toBeUndefined();
    expect(xml).toMatch(/<unit id="b5" [^>]*>(?:(?!<\/unit>).)*<segment><source>/s);
    expect(xml).toMatch(/<unit id="lesson.minutes" [^>]*>(?:(?!<\/unit>).)*<segment state="translated"><source>/s);
    expect(js.resources["strings.json"]?.["lesson.minutes"]?.source).toEqual([{ Standalone: expect.objectContaining({ equiv: "{minutes}", canDelete: "no" }) }, " minutes"]);
  });
});
