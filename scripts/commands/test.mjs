import { rmSync } from "node:fs";
import { join } from "node:path";
import { printSlowestFiles } from "../lib/slowest-files.mjs";
import { REPORTS_DIR, ROOT, step } from "../lib/paths.mjs";
import { run as runLint } from "./lint.mjs";
import { run as runUnit } from "./test-unit.mjs";
import { ensureChromium } from "../lib/install.mjs";
import { PLAYWRIGHT_JSON, startBuild, startE2e } from "./test-e2e.mjs";

const VITEST_JSON = join(REPORTS_DIR, "vitest.json");

/**
 * `npm test`: every suite. `next build` and the linters start at once in the background, beside Vitest; Playwright
 * starts as soon as the build is done, beside whatever of Vitest is left (Vitest mostly waits on the sandbox, the
 * databases and its crashing processes, so the two fill the cores between them). Vitest's output streams; the
 * linters' follows it as one block, then Playwright's (held until Vitest ends, then live). At the end, the ten slowest
 * test files. Extra arguments are not forwarded; use test:unit / test:e2e for a subset.
 */
export async function run() {
  const started = Date.now();
  // The report reads this run's JSON only: a stage that does not run leaves no file behind from an earlier one.
  for (const report of [VITEST_JSON, PLAYWRIGHT_JSON]) rmSync(report, { force: true });
  // Installing Chromium (apt-get, as root) before anything runs beside it.
  const chromium = ensureChromium();
  step("Building the portal in the background (next build), for Playwright, which starts once it is built");
  const build = startBuild();
  step("Linting in the background (ESLint, Prettier, knip); its output follows Vitest's");
  const linting = runLint([], { quiet: true });
  const e2e = build.then((built) => (built === 0 && chromium ? startE2e([], { chromium, held: true }) : null));
  const unit = await runUnit(["--reporter=default", "--reporter=json", `--outputFile.json=${VITEST_JSON}`]);
  const { code: lint, output: lintOutput } = await linting;
  step(`Lint: ESLint, Prettier and the dead-code check (knip): ${lint === 0 ? "passed" : "FAILED"}`);
  if (lintOutput.trim()) console.log(lintOutput.trimEnd());
  const built = await build;
  const playwright = await e2e;
  let e2eCode = 1;
  if (playwright) {
    step("Playwright end-to-end tests (Chromium): its output so far, then live");
    playwright.release();
    e2eCode = await playwright.done;
  }
  printSlowestFiles({ vitestJson: VITEST_JSON, playwrightJson: PLAYWRIGHT_JSON, root: ROOT });
  const seconds = Math.round((Date.now() - started) / 1000);
  const word = (code) => (code === 0 ? "passed" : "FAILED");
  const e2eWord = built !== 0 ? "not run (next build failed)" : !chromium ? "not run (no Chromium)" : word(e2eCode);
  console.log(`\nlint: ${word(lint)} · vitest: ${word(unit)} · playwright: ${e2eWord} · ${seconds} s`);
  return [lint, unit, e2eCode].find((code) => code !== 0) ?? 0;
}
