// `kit dev`: a local preview of the kit's site with live reload. It listens
// on 127.0.0.1 only (node:http; Eleventy's own dev server listens on every
// interface), builds into a temporary folder of its own (never output/),
// watches the kit with chokidar and redraws only the pages whose data
// changed (pipeline/incremental.ts). Pages learn of a change by server-sent
// events from a small script added to HTML as it is served, so the files
// on disk are exactly a build's pages. The hand-written parts (the static
// file server, the event stream, the queue) are a few lines each, which a
// dependency would not make shorter.
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, readFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { browserId, launchBrowser, type RunningBrowser } from "../system/browser.ts";
import { buildDate, loadValidKit, markNotBuilt } from "../pipeline/build.ts";
import { IncrementalSite } from "../pipeline/incremental.ts";
import { buildModel, type PdfJob, type SiteModel } from "../pipeline/model.ts";
import { renderPdfs } from "../pipeline/render-pdf.ts";
import { TOOL_ROOT } from "../pipeline/render-site.ts";
import { buildSearchIndexes } from "../pipeline/search-index.ts";
import { CONFIG_FILE, LESSONS_DIR, REGIONS_DIR } from "../pipeline/load.ts";
import { formatProblems, KitError, type Problem } from "../core/problems.ts";
import type { Kit } from "../pipeline/validate.ts";

export interface DevOptions {
  root: string;
  /** 0 picks a free port. */
  port?: number;
  locales?: string[];
  log?: (line: string) => void;
}

export interface DevServer {
  url: string;
  port: number;
  /** The preview's own folder: site/, pdf/ and the PDF cache. */
  dir: string;
  /** Resolves after each update (a save, or PDFs made ready) with the pages drawn again. */
  updated(): Promise<string[]>;
  close(): Promise<void>;
}

const CLIENT_PATH = "/__kit-dev/client.js";
const EVENTS_PATH = "/__kit-dev/events";
const CLIENT_TAG = `<script src="${CLIENT_PATH}" defer></script>`;

// Runs in the page: reloads it when it was drawn again, and shows the
// kit's problems in a notice (CSP allows only scripts from the site, so
// it is served as a file, and styled through the DOM, not a style attribute).
const CLIENT = `(() => {
  const here = decodeURIComponent(location.pathname.replace(/^\\//, "")) || "index.html";
  const events = new EventSource(${JSON.stringify(EVENTS_PATH)});
  events.addEventListener("reload", (e) => {
    const urls = JSON.parse(e.data);
    if (urls.includes("*") || urls.includes(here)) location.reload();
  });
  events.addEventListener("problems", (e) => {
    const problems = JSON.parse(e.data);
    document.getElementById("kit-dev-notice")?.remove();
    if (!problems.length) return;
    const box = document.createElement("div");
    box.id = "kit-dev-notice";
    box.setAttribute("role", "alert");
    Object.assign(box.style, { position: "fixed", insetInline: "0", bottom: "0", zIndex: "1000", background: "#fff4e5", color: "#222", borderTop: "3px solid #b35c00", padding: "0.75rem 1rem", maxHeight: "50vh", overflow: "auto", font: "15px/1.4 sans-serif" });
    const head = document.createElement("strong");
    head.textContent = "kit dev: this page shows the last good version. Fix these and save:";
    const list = document.createElement("ul");
    for (const p of problems) {
      const item = document.createElement("li");
      item.textContent = p.file + (p.line ? ":" + p.line : "") + (p.field ? " (" + p.field + ")" : "") + ": " + p.message;
      list.append(item);
    }
    box.append(head, list);
    document.body.append(box);
  });
})();
`;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".pdf": "application/pdf",
  ".wasm": "application/wasm",
  ".pf_meta": "application/octet-stream",
};

/** A served file under `dir`, or undefined: never a path outside it. */
async function fileIn(dir: string, urlPath: string): Promise<string | undefined> {
  const rel = path.normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, "");
  const file = path.join(dir, rel);
  if (file !== dir && !file.startsWith(dir + path.sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) return fileIn(dir, path.join(rel, "index.html"));
  return info?.isFile() ? file : undefined;
}

/** The handouts a change touched: those whose print page was drawn from other data (booklets are left to a build). */
function signature(site: IncrementalSite, job: PdfJob): string | undefined {
  return site.printed(job.html);
}

export async function startDev(options: DevOptions): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const root = path.resolve(options.root);
  const dir = await mkdtemp(path.join(os.tmpdir(), "kit-dev-"));
  const siteDir = path.join(dir, "site");
  const pdfDir = path.join(dir, "pdf");
  const site = new IncrementalSite(siteDir);
  const date = buildDate();
  const clients = new Set<http.ServerResponse>();
  let problems: Problem[] = [];
  let kit: Kit | undefined;
  let model: SiteModel | undefined;
  /** PDFs printed, by path under pdf/: the print page data they were printed from. */
  const printedFrom = new Map<string, string>();
  /** Print-page data seen in the previous model, so an edit shows which handouts it touched. */
  let lastSeen = new Map<string, string>();
  let browser: RunningBrowser | undefined;
  let closing = false;
  let waiters: ((urls: string[]) => void)[] = [];

  const send = (event: string, data: unknown) => {
    for (const res of clients) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  /** Links point at a PDF only once it is printed from the page now shown. */
  const markPdfs = (m: SiteModel) => {
    const missing = new Set(m.pdfs.filter((j) => j.booklet || printedFrom.get(j.pdf) !== JSON.stringify(m.print.find((p) => p.url === j.html))).map((j) => j.pdf));
    markNotBuilt(m, missing);
  };

  // Background work (PDFs, then the search index), one job at a time.
  let background: Promise<void> = Promise.resolve();
  let searchQueued = false;
  const queueSearch = () => {
    if (searchQueued) return;
    searchQueued = true;
    background = background.then(async () => {
      searchQueued = false;
      if (closing || !kit) return;
      const locales = kit.locales.map((l) => l.code).filter((c) => !options.locales || options.locales.includes(c));
      await buildSearchIndexes(siteDir, locales).catch((error: unknown) => log(`Search index not rebuilt: ${error instanceof Error ? error.message : String(error)}`));
    });
  };
  const queuePdfs = (jobs: PdfJob[]) => {
    if (!jobs.length) return;
    const from = new Map(jobs.map((j) => [j.pdf, signature(site, j) ?? ""]));
    background = background.then(async () => {
      if (closing || !kit) return;
      const started = Date.now();
      try {
        await renderPdfs(jobs, {
          browser: async () => (browser ??= await launchBrowser(log, { ownSignals: true })).browser,
          browserId: await browserId(),
          cacheDir: path.join(dir, ".cache", "pdf"),
          siteDir,
          outDir: dir,
          meta: { author: kit.config.author, subject: kit.config.subject, date },
          concurrency: 1,
        });
        for (const [pdf, data] of from) printedFrom.set(pdf, data);
        log(`Printed ${jobs.length} handout(s) in ${Date.now() - started} ms: ${jobs.map((j) => j.name).join(", ")}`);
        if (!closing) await run(false);
      } catch (error) {
        if (!closing) log(`Printing failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      }
    });
  };

  /** One update: reload the kit (or reuse it when only PDFs became ready), redraw what changed. */
  const update = async (reload: boolean, why: string): Promise<string[]> => {
    const started = Date.now();
    if (reload || !kit || !model) {
      try {
        kit = await loadValidKit(root, { locales: options.locales });
        model = await buildModel(kit, { locales: options.locales, date });
      } catch (error) {
        if (!(error instanceof KitError)) throw error;
        problems = error.problems;
        log(`${formatProblems(problems)}\nThe preview keeps the last good pages; it updates on the next good save.`);
        send("problems", problems);
        return [];
      }
    }
    markPdfs(model);
    const drawn = await site.update(model);
    if (problems.length) {
      problems = [];
      send("problems", []);
    }
    const urls = [...drawn.site, ...drawn.removed];
    send("reload", urls);
    const ms = Date.now() - started;
    if (why) log(`${why}: ${drawn.site.length} page(s) and ${drawn.print.length} print page(s) redrawn in ${ms} ms.`);
    // Handouts whose print page changed since the last update are printed again.
    const seen = new Map(model.print.map((p) => [p.url, site.printed(p.url) ?? ""]));
    const touched = model.pdfs.filter((j) => !j.booklet && lastSeen.has(j.html) && lastSeen.get(j.html) !== seen.get(j.html));
    lastSeen = seen;
    queuePdfs(touched);
    if (urls.length) queueSearch();
    return urls;
  };

  // Saves come in bursts (an editor writes, renames, touches): one update at a time, the latest wins.
  let running: Promise<void> = Promise.resolve();
  let pending: { reload: boolean; why: string } | undefined;
  const run = (reload: boolean, why = ""): Promise<void> => {
    const first = !pending;
    pending = { reload: reload || (pending?.reload ?? false), why: why || pending?.why || "" };
    if (!first) return running;
    running = running.then(async () => {
      const next = pending!;
      pending = undefined;
      if (closing) return;
      try {
        const urls = await update(next.reload, next.why);
        const done = waiters;
        waiters = [];
        for (const w of done) w(urls);
      } catch (error) {
        log(`Update failed: ${error instanceof Error ? error.message : String(error)} (DEBUG=1 shows where)`);
        if (process.env.DEBUG) console.error(error);
      }
    });
    return running;
  };

  await run(true);
  if (!model) throw new KitError(problems);
  queueSearch();

  const templates = path.join(TOOL_ROOT, "templates");
  const watcher: FSWatcher = watch([path.join(root, LESSONS_DIR), path.join(root, REGIONS_DIR), path.join(root, CONFIG_FILE), templates], {
    ignoreInitial: true,
    ignored: (file: string) => /(^|[/\\])(\.|node_modules)|~$|\.swp$/.test(path.basename(file)) && file !== root,
  });
  let timer: NodeJS.Timeout | undefined;
  let touchedTemplates = false;
  let changedFiles = new Set<string>();
  watcher.on("all", (_event, file) => {
    if (file.startsWith(templates + path.sep)) touchedTemplates = true;
    changedFiles.add(path.relative(file.startsWith(templates) ? TOOL_ROOT : root, file));
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (touchedTemplates) site.invalidate();
      const why = `Changed ${[...changedFiles].join(", ")}`;
      touchedTemplates = false;
      changedFiles = new Set();
      void run(true, why);
    }, 20);
  });
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));

  const server = http.createServer((req, res) => {
    void serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === EVENTS_PATH) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 500\nevent: problems\ndata: ${JSON.stringify(problems)}\n\n`);
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    if (url.pathname === CLIENT_PATH) {
      res.writeHead(200, { "content-type": TYPES[".js"]!, "cache-control": "no-store" });
      res.end(CLIENT);
      return;
    }
    const inPdf = url.pathname.startsWith("/pdf/");
    const file = inPdf ? await fileIn(pdfDir, url.pathname.slice(5)) : await fileIn(siteDir, url.pathname);
    const notFound = file ? undefined : await fileIn(siteDir, "404.html");
    const served = file ?? notFound;
    if (!served) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const type = TYPES[path.extname(served)] ?? "application/octet-stream";
    const status = file ? 200 : 404;
    if (type.startsWith("text/html")) {
      const html = await readFile(served, "utf8");
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(html.includes("</head>") ? html.replace("</head>", `${CLIENT_TAG}\n</head>`) : html + CLIENT_TAG);
      return;
    }
    // A redraw may replace the file between the look-up and the read (Eleventy copies the
    // assets again): the browser then gets a 503 and asks again, and the server keeps running.
    const stream = createReadStream(served);
    stream.once("error", () => {
      if (!res.headersSent) res.writeHead(503, { "retry-after": "1" });
      res.end();
    });
    stream.once("open", () => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      stream.pipe(res);
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: the preview is for the person at this machine.
    server.listen(options.port ?? 4173, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    port,
    dir,
    updated: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      closing = true;
      clearTimeout(timer);
      await watcher.close();
      for (const res of clients) res.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The browser goes first, so a print in progress ends now rather than at its end.
      await browser?.close().catch(() => undefined);
      await running.catch(() => undefined);
      await background.catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `kit dev`: runs until Ctrl-C or SIGTERM, then stops the watcher, the browser and the server. */
export async function dev(options: DevOptions): Promise<void> {
  const started = Date.now();
  const server = await startDev(options);
  console.log(`Preview: ${server.url} (built in ${Date.now() - started} ms into ${server.dir}; Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  console.log("Stopping the preview…");
  await server.close();
}
