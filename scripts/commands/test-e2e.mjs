import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ensureChromium } from "../lib/install.mjs";
import { BIN, REPORTS_DIR, ROOT, step } from "../lib/paths.mjs";

export const PLAYWRIGHT_JSON = join(REPORTS_DIR, "playwright.json");

/**
 * Starts `next build` in the background, its output to .data/test-reports/next-build.log; resolves with its exit code.
 * `npm test` starts it at the beginning, so the build runs while Vitest mostly waits on the sandbox and databases.
 */
export function startBuild() {
  mkdirSync(REPORTS_DIR, { recursive: true });
  const logFile = join(REPORTS_DIR, "next-build.log");
  const log = createWriteStream(logFile);
  const child = spawn(BIN("next"), ["build"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const started = Date.now();
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      log.end();
      const seconds = Math.round((Date.now() - started) / 1000);
      if (code === 0) console.log(`\nnext build finished in ${seconds} s (log: ${logFile})`);
      else console.error(`\nnext build FAILED (exit ${code}) after ${seconds} s; its output is in ${logFile}`);
      resolve(code ?? 1);
    });
  });
}

/**
 * Starts Playwright in `chromium` (the binary ensureChromium chose); each Playwright worker starts its own sandbox,
 * database and portal (e2e/fixtures/worker-stack.ts). Resolves `done` with the exit code.
 *
 * `held`: Playwright's output is kept back until `release()` is called, then printed and followed live, so it does not
 * interleave with another suite's running beside it.
 */
export function startE2e(args, { chromium, held = false }) {
  if (!held) step("Playwright end-to-end tests (Chromium)");
  const child = spawn(BIN("playwright"), ["test", ...args], {
    cwd: ROOT,
    stdio: held ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, E2E_CHROMIUM: chromium, E2E_JSON_REPORT: process.env.E2E_JSON_REPORT || PLAYWRIGHT_JSON },
  });
  let kept = [];
  const release = () => {
    if (!kept) return;
    step("Playwright end-to-end tests (Chromium), started beside Vitest once the build was done");
    for (const [stream, chunk] of kept) stream.write(chunk);
    kept = null;
  };
  if (held) {
    child.stdout.on("data", (chunk) => (kept ? kept.push([process.stdout, chunk]) : process.stdout.write(chunk)));
    child.stderr.on("data", (chunk) => (kept ? kept.push([process.stderr, chunk]) : process.stderr.write(chunk)));
  }
  return { done: new Promise((resolve) => child.on("close", (code) => resolve(code ?? 1))), release };
}

/** `npm run test:e2e`: builds the portal (unless `built` says it was) and runs Playwright. */
export async function run(args = [], { built = false } = {}) {
  const chromium = ensureChromium();
  if (!chromium) return 1;
  if (!built) {
    step("Building the portal (next build)");
    const build = spawnSync(BIN("next"), ["build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (build.status !== 0) return build.status ?? 1;
  }
  return startE2e(args, { chromium }).done;
}
