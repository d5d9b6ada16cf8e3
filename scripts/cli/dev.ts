// `kit dev`: a local preview of the kit's site with live reload. It listens
// on 127.0.0.1 only (node:http; Eleventy's own dev server listens on every
// interface), builds into a temporary folder of its own (never output/),
// watches the kit with chokidar and redraws only the pages whose data
// changed (pipeline/incremental.ts). Pages learn of a change by server-sent
// events from a small script added to HTML as it is served, so the files
// on disk are exactly a build's pages. A save draws its web pages first and
// tells the open pages; its print pages (the booklets' are large) are drawn
// once the reloading page has loaded, and its handouts printed after that,
// so the page a person looks at is back within a second. The hand-written
// parts (the static file server, the event stream, the queue) are a few
// lines each, which a dependency would not make shorter.
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat, readFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { browserId, launchBrowser, type RunningBrowser } from "../system/browser.ts";
import { buildDate, loadValidKit, markNotBuilt } from "../pipeline/build.ts";
import { IncrementalSite } from "../pipeline/incremental.ts";
import { isDeepStrictEqual } from "node:util";
import { buildModel, type PdfJob, type PrintEntry, type SiteModel } from "../pipeline/model.ts";
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
  /** Resolves once no update, print or search index is running or waiting. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const CLIENT_PATH = "/__kit-dev/client.js";
const EVENTS_PATH = "/__kit-dev/events";
const IDLE_PATH = "/__kit-dev/idle";
/** How long print pages wait for a reloading page to load first. */
const RELOAD_WAIT_MS = 2000;
const CLIENT_TAG = `<script src="${CLIENT_PATH}" defer></script>`;

// Runs in the page: reloads it when it was drawn again, and shows the
// kit's problems in a notice (CSP allows only scripts from the site, so
// it is served as a file, and styled through the DOM, not a style attribute).
const CLIENT = `(() => {
  const here = decodeURIComponent(location.pathname.replace(/^\\//, "")) || "index.html";
  const events = new EventSource(${JSON.stringify(EVENTS_PATH)} + "?page=" + encodeURIComponent(here));
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

/**
 * Starts the preview. One closure, longer than most functions here on
 * purpose: the update queue, the print and search queues, the watcher and
 * the server share the preview's state (what is drawn, printed, waiting
 * and connected), and each part is a few lines that read in order.
 */
export async function startDev(options: DevOptions): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const root = path.resolve(options.root);
  const dir = await mkdtemp(path.join(os.tmpdir(), "kit-dev-"));
  const siteDir = path.join(dir, "site");
  const pdfDir = path.join(dir, "pdf");
  const site = new IncrementalSite(siteDir);
  const date = buildDate();
  /** Open pages listening for changes, each with its page (as the client script names it). */
  const clients = new Map<http.ServerResponse, string>();
  /** Told when a page connects (a reloaded page connects again once it has loaded), while sendReload waits. */
  let onConnect: (() => void) | undefined;
  let problems: Problem[] = [];
  let kit: Kit | undefined;
  /** PDFs printed, by path under pdf/: the print page they were printed from. */
  const printedFrom = new Map<string, PrintEntry>();
  let browser: RunningBrowser | undefined;
  let closing = false;
  let waiters: ((urls: string[]) => void)[] = [];
  /** The first update draws everything and prints nothing (a build prints the handouts). */
  let initial = true;

  const send = (event: string, data: unknown) => {
    for (const res of clients.keys()) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  /**
   * Tells the open pages which pages were drawn again, and waits (at most
   * RELOAD_WAIT_MS) until those that reload have loaded and connected again:
   * the print pages are drawn after, as drawing blocks this process, which
   * also serves the reloading page.
   */
  const sendReload = async (urls: string[]) => {
    const reloading = [...clients.values()].filter((here) => urls.includes("*") || urls.includes(here)).length;
    send("reload", urls);
    if (!reloading) return;
    let back = 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, RELOAD_WAIT_MS);
      onConnect = () => {
        if (++back < reloading) return;
        clearTimeout(timer);
        resolve();
      };
    });
    onConnect = undefined;
  };

  /** Links point at a PDF only once it is printed from the print page now drawn. */
  const markPdfs = (m: SiteModel) => {
    const drawnFrom = new Map(m.print.map((p) => [p.url, p]));
    const current = (j: PdfJob) => {
      const from = printedFrom.get(j.pdf);
      return from !== undefined && isDeepStrictEqual(from, drawnFrom.get(j.html));
    };
    markNotBuilt(m, new Set(m.pdfs.filter((j) => j.booklet || !current(j)).map((j) => j.pdf)));
  };

  // Background work, each kind one job at a time and apart, so a search
  // index never waits for a print: PDFs (the handouts whose print pages
  // were drawn again, gathered while a print runs), and the search index.
  let printing: Promise<void> = Promise.resolve();
  let searching: Promise<void> = Promise.resolve();
  let searchQueued = false;
  const queueSearch = () => {
    if (searchQueued) return;
    searchQueued = true;
    searching = searching.then(async () => {
      searchQueued = false;
      if (closing || !kit) return;
      const locales = kit.locales.map((l) => l.code).filter((c) => !options.locales || options.locales.includes(c));
      await buildSearchIndexes(siteDir, locales).catch((error: unknown) => log(`Search index not rebuilt: ${error instanceof Error ? error.message : String(error)}`));
    });
  };
  /** Handouts to print, by PDF path, with the print page each is printed from. */
  const toPrint = new Map<string, { job: PdfJob; from: PrintEntry }>();
  let printQueued = false;
  const queuePdfs = (jobs: PdfJob[]) => {
    for (const job of jobs) {
      const from = site.printed(job.html);
      if (from) toPrint.set(job.pdf, { job, from });
    }
    if (!toPrint.size || printQueued) return;
    printQueued = true;
    printing = printing.then(async () => {
      printQueued = false;
      const round = [...toPrint.values()];
      toPrint.clear();
      if (closing || !kit || !round.length) return;
      const started = Date.now();
      try {
        await renderPdfs(
          round.map((r) => r.job),
          {
            browser: async () => (browser ??= await launchBrowser(log, { ownSignals: true })).browser,
            browserId: await browserId(),
            cacheDir: path.join(dir, ".cache", "pdf"),
            siteDir,
            outDir: dir,
            meta: { author: kit.config.author, subject: kit.config.subject, date },
            concurrency: 1,
          },
        );
        for (const { job, from } of round) printedFrom.set(job.pdf, from);
        log(`Printed ${round.length} handout(s) in ${Date.now() - started} ms: ${round.map((r) => r.job.name).join(", ")}`);
        if (!closing) await run(false);
      } catch (error) {
        if (!closing) log(`Printing failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      }
    });
  };

  /**
   * One update: reload the kit (or reuse it when only PDFs became ready),
   * draw the web pages that changed and tell the open pages, then draw the
   * print pages that changed and queue their handouts for printing. A new
   * model each time: the site compares it with the last one, and markPdfs
   * marks its links.
   */
  const update = async (reload: boolean, why: string, redrawAll: boolean): Promise<string[]> => {
    const started = Date.now();
    // A template or stylesheet changed: every page, and the assets, again.
    if (redrawAll) site.invalidate();
    let model: SiteModel;
    try {
      if (reload || !kit) kit = await loadValidKit(root, { locales: options.locales });
      model = await buildModel(kit, { locales: options.locales, date });
    } catch (error) {
      if (!(error instanceof KitError)) throw error;
      problems = error.problems;
      log(`${formatProblems(problems)}\nThe preview keeps the last good pages; it updates on the next good save.`);
      send("problems", problems);
      return [];
    }
    markPdfs(model);
    const drawn = await site.update(model);
    if (problems.length) {
      problems = [];
      send("problems", []);
    }
    const urls = [...drawn.drawn, ...drawn.removed];
    const ms = Date.now() - started;
    await sendReload(urls);
    const printed = await site.updatePrint(model);
    if (why) log(`${why}: ${drawn.drawn.length} page(s) redrawn in ${ms} ms, then ${printed.drawn.length} print page(s) in ${Date.now() - started - ms} ms.`);
    // Handouts whose print page was drawn again are printed again (none at start: a build prints them all).
    const redrawn = new Set(printed.drawn);
    if (!initial) queuePdfs(model.pdfs.filter((j) => !j.booklet && redrawn.has(j.html)));
    initial = false;
    if (urls.length) queueSearch();
    return urls;
  };

  // Saves come in bursts (an editor writes, renames, touches): one update at a time, the latest wins.
  let running: Promise<void> = Promise.resolve();
  let pending: { reload: boolean; why: string; redrawAll: boolean } | undefined;
  const run = (reload: boolean, why = "", redrawAll = false): Promise<void> => {
    const first = !pending;
    pending = { reload: reload || (pending?.reload ?? false), why: why || pending?.why || "", redrawAll: redrawAll || (pending?.redrawAll ?? false) };
    if (!first) return running;
    running = running.then(async () => {
      const next = pending!;
      pending = undefined;
      if (closing) return;
      try {
        const urls = await update(next.reload, next.why, next.redrawAll);
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

  /** Resolves once no update, print or search index is running or waiting. */
  const idle = async (): Promise<void> => {
    // Work queues more work (a print redraws the pages that link it): wait until a look finds none.
    for (;;) {
      const seen = [running, printing, searching];
      await Promise.all(seen);
      if (seen[0] === running && seen[1] === printing && seen[2] === searching && !pending && !debouncing) return;
    }
  };

  await run(true);
  if (initial) throw new KitError(problems);
  queueSearch();

  const templates = path.join(TOOL_ROOT, "templates");
  const watcher: FSWatcher = watch([path.join(root, LESSONS_DIR), path.join(root, REGIONS_DIR), path.join(root, CONFIG_FILE), templates], {
    ignoreInitial: true,
    ignored: (file: string) => /(^|[/\\])(\.|node_modules)|~$|\.swp$/.test(path.basename(file)) && file !== root,
  });
  let timer: NodeJS.Timeout | undefined;
  let debouncing = false;
  let touchedTemplates = false;
  let changedFiles = new Set<string>();
  watcher.on("all", (_event, file) => {
    if (file.startsWith(templates + path.sep)) touchedTemplates = true;
    changedFiles.add(path.relative(file.startsWith(templates) ? TOOL_ROOT : root, file));
    clearTimeout(timer);
    debouncing = true;
    timer = setTimeout(() => {
      debouncing = false;
      const why = `Changed ${[...changedFiles].join(", ")}`;
      const redrawAll = touchedTemplates;
      touchedTemplates = false;
      changedFiles = new Set();
      void run(true, why, redrawAll);
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
      clients.set(res, url.searchParams.get("page") ?? "");
      req.on("close", () => clients.delete(res));
      onConnect?.();
      return;
    }
    if (url.pathname === IDLE_PATH) {
      // Answers once the preview has nothing left to do: for npm run bench, which times saves from outside.
      await idle();
      res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
      res.end("idle");
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
    idle,
    async close() {
      closing = true;
      clearTimeout(timer);
      await watcher.close();
      for (const res of clients.keys()) res.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The browser goes first, so a print in progress ends now rather than at its end.
      await browser?.close().catch(() => undefined);
      await running.catch(() => undefined);
      await printing.catch(() => undefined);
      await searching.catch(() => undefined);
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
