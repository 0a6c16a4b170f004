#!/usr/bin/env node
// First-load JavaScript of an app-router page, gzipped, from the production build in .next/ (run `npx next build`
// first). It is what a browser downloads to run the page on its first visit: the runtime and framework chunks every
// page loads (build-manifest.json rootMainFiles) plus every chunk the page's segments reference (layout, loading,
// error, not-found and the page itself, from the page's client reference manifest). Polyfills are `nomodule` (only
// browsers without ES modules fetch them), so they are reported apart and not counted.
//
//   npm run bench:js [-- --page /connect/[connectionId]/progress] [--budget-kb 150] [--json]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const page = arg("--page", "/connect/[connectionId]/progress");
const budgetKb = Number(arg("--budget-kb", "150"));
const dist = join(process.cwd(), ".next");

if (!existsSync(join(dist, "build-manifest.json"))) {
  console.error("No production build in .next/: run `npx next build` first.");
  process.exit(2);
}
const buildManifest = JSON.parse(readFileSync(join(dist, "build-manifest.json"), "utf8"));
const manifestFile = join(dist, "server", "app", `${page}`, "page_client-reference-manifest.js");
if (!existsSync(manifestFile)) {
  console.error(`No client reference manifest for ${page} (${manifestFile}). Is the page name right, and the build current?`);
  process.exit(2);
}
globalThis.__RSC_MANIFEST = {};
new Function(readFileSync(manifestFile, "utf8"))();
const rsc = globalThis.__RSC_MANIFEST[`${page}/page`];
if (!rsc?.entryJSFiles) {
  console.error(`The manifest of ${page} lists no entry files.`);
  process.exit(2);
}

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const files = new Map(); // file -> what needs it
const need = (file, why) => files.set(file, files.get(file) ?? why);
for (const file of buildManifest.rootMainFiles ?? []) need(file, "runtime and framework");
for (const [segment, entry] of Object.entries(rsc.entryJSFiles)) for (const file of entry) need(file, segment.replace("[project]/", ""));

const rows = [...files].map(([file, why]) => ({ file, why, gzipBytes: gz(file) }));
const total = rows.reduce((s, r) => s + r.gzipBytes, 0);
const polyfills = (buildManifest.polyfillFiles ?? []).reduce((s, f) => s + gz(f), 0);
const kb = (b) => Math.round((b / 1024) * 10) / 10;

if (args.includes("--json")) {
  console.log(JSON.stringify({ page, totalGzipBytes: total, totalKb: kb(total), budgetKb, files: rows, polyfillsGzipBytes: polyfills }, null, 2));
} else {
  console.log(`First-load JS of ${page} (gzipped, production build):`);
  for (const r of rows.sort((a, b) => b.gzipBytes - a.gzipBytes))
    console.log(`  ${kb(r.gzipBytes).toFixed(1).padStart(6)} kB  ${r.file}  (${r.why})`);
  console.log(`  total ${kb(total)} kB (budget ${budgetKb} kB) · not counted: nomodule polyfills ${kb(polyfills)} kB`);
}
if (kb(total) > budgetKb) {
  console.error(`Over budget: ${kb(total)} kB > ${budgetKb} kB`);
  process.exit(1);
}
