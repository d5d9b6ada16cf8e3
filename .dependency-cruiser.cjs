// The direction imports may take between the folders of scripts/ (see the
// README): a pure core at the bottom, the byte-level PDF code on its own,
// the system (browser) layer on the core only, the pipeline never reaching
// up into the command line. Checked by tests/architecture.test.ts, or by
// hand with `npx depcruise scripts --config .dependency-cruiser.cjs`.
/** Node built-ins that touch the machine: files, processes, the network. */
const MACHINE = "^(node:)?(fs|fs/promises|child_process|worker_threads|cluster|net|http|https|http2|dgram|tls|os|process|readline|vm)$";
/** Packages that drive a browser. */
const BROWSER = "^(puppeteer|puppeteer-core|@puppeteer/browsers)$|node_modules/(puppeteer|puppeteer-core|@puppeteer/browsers)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-imports-only-core",
      comment: "scripts/core is pure: it may not import the pipeline, the command line, the PDF code or the system layer.",
      severity: "error",
      from: { path: "^scripts/core/" },
      to: { path: "^scripts/(?!core/)" },
    },
    {
      name: "core-touches-no-machine",
      comment: "scripts/core is pure: no file system, processes, network or browser.",
      severity: "error",
      from: { path: "^scripts/core/" },
      to: { path: [MACHINE, BROWSER] },
    },
    {
      name: "pdf-imports-only-pdf",
      comment: "scripts/pdf is byte-level PDF work: it may import nothing of ours but itself.",
      severity: "error",
      from: { path: "^scripts/pdf/" },
      to: { path: "^scripts/(?!pdf/)" },
    },
    {
      name: "pipeline-not-cli",
      comment: "The pipeline's stages may not import the command line that runs them.",
      severity: "error",
      from: { path: "^scripts/pipeline/" },
      to: { path: "^scripts/cli/" },
    },
    {
      name: "system-imports-only-core",
      comment: "scripts/system (finding and starting the browser) may import only the core, of ours.",
      severity: "error",
      from: { path: "^scripts/system/" },
      to: { path: "^scripts/(?!(system|core)/)" },
    },
    {
      name: "scripts-not-tests",
      comment: "The kit's code never imports its tests.",
      severity: "error",
      from: { path: "^scripts/" },
      to: { path: "^tests/" },
    },
    {
      name: "no-unresolvable",
      comment: "An import that resolves to nothing would hide a broken rule.",
      severity: "error",
      from: { path: "^scripts/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count too: a type from the pipeline in the core is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // As Node resolves: packages' "exports" maps (tsx/esm/api has no file of that name).
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    // Ambient declarations for untyped packages, imported by nothing.
    exclude: { path: "^scripts/types/" },
  },
};
