// Zips that do not depend on the time zone, stored PDFs, zips written only
// when their content changed, partial builds that keep every other locale,
// and zips whose links all resolve inside them (#10), on the fixture kit.
import { cp, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { target } from "../scripts/pipeline/offline-links.ts";
import { fixtureKit, tempDir } from "./helpers.ts";
import { kit, snapshot } from "./kit-cli.ts";

/** The fixture kit with a second locale, en-YY, a copy of en-XX. */
async function twoLocaleKit(): Promise<string> {
  const root = await fixtureKit();
  await cp(path.join(root, "lessons/en-XX"), path.join(root, "lessons/en-YY"), { recursive: true });
  const meta = path.join(root, "lessons/en-YY/locale.yaml");
  await writeFile(meta, (await readFile(meta, "utf8")).replace(/^name: .*$/m, "name: English (Otherland)"));
  return root;
}

async function editLesson(root: string, locale: string): Promise<void> {
  const file = path.join(root, `lessons/${locale}/11-13-fixture-lesson.md`);
  await writeFile(file, (await readFile(file, "utf8")).replace("Do not pay. Tell an adult you trust.", "Do not pay. Tell a grown-up you trust."));
}

/** A new output folder that shares `from`'s printed PDFs (not its zips), so it prints nothing. */
async function withPdfCache(from: string): Promise<string> {
  const out = await tempDir();
  await mkdir(path.join(out, ".cache"));
  await cp(path.join(from, ".cache/pdf"), path.join(out, ".cache/pdf"), { recursive: true });
  return out;
}

/** Every entry's name and how it is stored (0: as is, 8: deflated), from the central directory. */
function methods(zip: Uint8Array): Map<string, number> {
  const found = new Map<string, number>();
  unzipSync(zip, {
    filter: (file) => {
      found.set(file.name, file.compression);
      return false;
    },
  });
  return found;
}

/** Links of every page in a zip that point at a file the zip does not hold. */
function deadLinks(zip: Uint8Array): string[] {
  const files = unzipSync(zip);
  const dead: string[] = [];
  for (const [name, data] of Object.entries(files).filter(([n]) => n.endsWith(".html"))) {
    for (const [, href] of new TextDecoder().decode(data).matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const to = target(href!, name);
      if (to !== undefined && !(to in files)) dead.push(`${name} -> ${href}`);
    }
  }
  return dead;
}

const contents = (zip: Uint8Array) => Object.fromEntries(Object.entries(unzipSync(zip)).map(([n, d]) => [n, Buffer.from(d).toString("base64")]));

describe("zips", () => {
  it(
    "are byte-identical in every time zone, dated in UTC, with PDFs stored as they are",
    async () => {
      const root = await fixtureKit();
      const first = await tempDir();
      expect((await kit(["--root", root, "--out", first], { TZ: "UTC" })).code).toBe(0);
      const zip = await readFile(path.join(first, "kits/en-XX.zip"));
      for (const tz of ["Asia/Kuala_Lumpur", "America/New_York"]) {
        const out = await withPdfCache(first);
        expect((await kit(["--root", root, "--out", out], { TZ: tz })).code).toBe(0);
        expect(Buffer.compare(await readFile(path.join(out, "kits/en-XX.zip")), zip), tz).toBe(0);
      }
      // SOURCE_DATE_EPOCH 1700000000 is 2023-11-14 22:13:20 UTC: the first entry's DOS time and date.
      expect(zip.readUInt16LE(10)).toBe((22 << 11) | (13 << 5) | (20 >> 1));
      expect(zip.readUInt16LE(12)).toBe(((2023 - 1980) << 9) | (11 << 5) | 14);
      const stored = methods(zip);
      const pdfs = [...stored].filter(([name]) => name.endsWith(".pdf"));
      expect(pdfs.length).toBeGreaterThan(0);
      for (const [name, method] of pdfs) expect(method, name).toBe(0);
      expect(stored.get("en-XX/index.html")).toBe(8);
    },
    5 * 60_000,
  );

  it(
    "are written again only when their content changed",
    async () => {
      const root = await fixtureKit();
      const out = await tempDir();
      expect((await kit(["--root", root, "--out", out])).code).toBe(0);
      const zip = path.join(out, "kits/en-XX.zip");
      const written = await stat(zip);
      expect((await kit(["--root", root, "--out", out])).code).toBe(0);
      // The same file, linked from the cache: not a byte written.
      expect((await stat(zip)).ino).toBe(written.ino);
      await editLesson(root, "en-XX");
      expect((await kit(["--root", root, "--out", out])).code).toBe(0);
      expect((await stat(zip)).ino).not.toBe(written.ino);
    },
    5 * 60_000,
  );
});

describe("a build of some locales", () => {
  it(
    "adds to the output and never removes: locale by locale equals whole, other locales untouched",
    async () => {
      const root = await twoLocaleKit();
      const whole = await tempDir();
      expect((await kit(["--root", root, "--out", whole])).code).toBe(0);
      const everything = await snapshot(whole);
      expect(Object.keys(everything)).toContain("kits/en-YY.zip");

      const byLocale = await withPdfCache(whole);
      for (const locale of ["en-YY", "en-XX"]) expect((await kit(["--root", root, "--out", byLocale, "--locale", locale])).code).toBe(0);
      expect(await snapshot(byLocale, ["site", "pdf"])).toEqual(await snapshot(whole, ["site", "pdf"]));
      for (const locale of ["en-XX", "en-YY"]) {
        const [a, b] = await Promise.all([whole, byLocale].map((dir) => readFile(path.join(dir, `kits/${locale}.zip`))));
        expect(contents(b!), locale).toEqual(contents(a!));
      }

      // en-YY's sources change, but only en-XX is built: en-YY stays as published.
      await editLesson(root, "en-YY");
      await editLesson(root, "en-XX");
      expect((await kit(["--root", root, "--out", byLocale, "--locale", "en-XX"])).code).toBe(0);
      const now = await snapshot(byLocale);
      const ofYY = (snap: Record<string, string>) => Object.entries(snap).filter(([f]) => /(^|\/)en-YY(\/|\.zip)/.test(f));
      expect(ofYY(now).length).toBeGreaterThan(0);
      expect(ofYY(now)).toEqual(ofYY(everything));
      expect(now["site/en-XX/lessons/11-13-fixture-lesson.html"]).not.toBe(everything["site/en-XX/lessons/11-13-fixture-lesson.html"]);
      expect(now["site/index.html"]).not.toBe(undefined);
      // The page built alone still offers the other locale.
      expect(await readFile(path.join(byLocale, "site/en-XX/help.html"), "utf8")).toContain('hreflang="en-YY" href="../en-YY/help.html"');
    },
    8 * 60_000,
  );

  it(
    "zips each locale with links only to what the zip holds, or to the public site",
    async () => {
      const root = await twoLocaleKit();
      const out = await tempDir();
      expect((await kit(["--root", root, "--out", out])).code).toBe(0);
      for (const name of await readdir(path.join(out, "kits"))) {
        const zip = await readFile(path.join(out, "kits", name));
        expect(deadLinks(zip), name).toEqual([]);
        expect(Object.keys(unzipSync(zip)).some((n) => n.startsWith(name === "en-XX.zip" ? "en-YY/" : "en-XX/"))).toBe(false);
      }
      // The site itself keeps its switcher.
      expect(await readFile(path.join(out, "site/en-XX/help.html"), "utf8")).toContain('href="../en-YY/help.html"');

      const online = await withPdfCache(out);
      expect((await kit(["--root", root, "--out", online, "--base-url", "https://example.org/kit/"])).code).toBe(0);
      const zip = await readFile(path.join(online, "kits/en-XX.zip"));
      expect(deadLinks(zip)).toEqual([]);
      const help = new TextDecoder().decode(unzipSync(zip)["en-XX/help.html"]);
      expect(help).toContain('href="https://example.org/kit/en-YY/help.html"');
      // The host serves 404.html at any depth: its links start from the site's path.
      const notFound = await readFile(path.join(online, "site/404.html"), "utf8");
      expect(notFound).toContain('href="/kit/en-XX/help.html"');
      expect(notFound).not.toMatch(/href="(?!\/|https?:|#)[^"]+"/);
    },
    5 * 60_000,
  );
});
