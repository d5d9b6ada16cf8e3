// Shared test helpers: fixture trees and reading real PDFs.
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { parse } from "yaml";
import { SCENARIOS, type Patch, type Scenario } from "./fixtures/scenarios.ts";

export { LESSON, SCENARIOS, type Patch, type Scenario } from "./fixtures/scenarios.ts";

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(PROJECT, "tests", "fixtures");

/** The shipped kit's default locale, read from its config rather than assumed. */
export function projectDefaultLocale(): string {
  const config = parse(readFileSync(path.join(PROJECT, "kit.config.yaml"), "utf8")) as { defaultLocale: string };
  return config.defaultLocale;
}

export async function tempDir(prefix = "talk-early-test-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * A kit folder for a scenario: a copy of the `base` fixture with the
 * scenario's patches (tests/fixtures/scenarios.ts) or the given ones
 * applied (a name not in scenarios.ts may be a folder tests/fixtures/<name>
 * laid over the base, for a scenario that needs whole new files). UI
 * strings are the project's default locale's, so fixtures never hold a
 * stale copy of them.
 */
export async function fixtureKit(scenario?: Scenario | (string & {}) | readonly Patch[]): Promise<string> {
  const dir = await tempDir("talk-early-fixture-");
  await cp(path.join(FIXTURES, "base"), dir, { recursive: true });
  await cp(path.join(PROJECT, "lessons", projectDefaultLocale(), "strings.json"), path.join(dir, "lessons/en-XX/strings.json"));
  if (typeof scenario !== "string") await applyPatches(dir, scenario ?? []);
  else if (Object.hasOwn(SCENARIOS, scenario)) await applyPatches(dir, SCENARIOS[scenario as Scenario]);
  else if (existsSync(path.join(FIXTURES, scenario))) await cp(path.join(FIXTURES, scenario), dir, { recursive: true });
  else throw new Error(`no fixture scenario "${scenario}" in tests/fixtures/scenarios.ts or tests/fixtures/`);
  return dir;
}

/** Applies each patch in turn; one whose text is not found exactly once throws, naming it. */
export async function applyPatches(dir: string, patches: readonly Patch[]): Promise<void> {
  for (const patch of patches) {
    const file = path.join(dir, patch.file);
    const text = await readFile(file, "utf8");
    const count = text.split(patch.find).length - 1;
    if (count !== 1) throw new Error(`patch of ${patch.file}: ${JSON.stringify(patch.find)} occurs ${count} times, expected once`);
    await writeFile(file, text.replace(patch.find, () => patch.replace));
  }
}

/** pdf.js's metrics of the 14 standard fonts, which the synthetic PDFs use unembedded. */
export const STANDARD_FONTS = `${path.join(PROJECT, "node_modules/pdfjs-dist/standard_fonts")}/`;

export interface PdfText {
  pages: string[];
  text: string;
}

/** Text of every page, read with pdf.js (Mozilla's PDF reader). */
export async function pdfText(file: string): Promise<PdfText> {
  const data = new Uint8Array(await readFile(file));
  const doc = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ("str" in item ? item.str : "")).join(" ").replace(/\s+/g, " "));
  }
  await doc.destroy();
  return { pages, text: pages.join("\n") };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
};

export interface Served {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  close(): Promise<void>;
}

/**
 * Serves a built site on the loopback address only, as a static host
 * would: Pagefind loads its index with fetch(), which file:// refuses.
 */
export async function serveDir(root: string): Promise<Served> {
  const { createServer } = await import("node:http");
  const server = createServer(async (req, res) => {
    const wanted = path.normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = path.join(root, wanted.endsWith("/") ? `${wanted}index.html` : wanted);
    const body = file.startsWith(root) ? await readFile(file).catch(() => undefined) : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
