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
 * `npm test`: every suite. `next build` and the linters start at once in the background, beside Vitest; the linters'
 * output is printed after Vitest's as one block, then Playwright runs once the build is done; at the end, the ten
 * slowest test files. Playwright does not run beside Vitest: the suite is CPU-bound on two cores (about 1,600
 * CPU-seconds), so it gained nothing, and Vitest's timing-sensitive cases (lease expiry, 250 concurrent token
 * requests) failed under the extra load. Extra arguments are not forwarded; use test:unit / test:e2e for a subset.
 */
export async function run() {
  const started = Date.now();
  // The report reads this run's JSON only: a stage that does not run leaves no file behind from an earlier one.
  for (const report of [VITEST_JSON, PLAYWRIGHT_JSON]) rmSync(report, { force: true });
  // Installing Chromium (apt-get, as root) before anything runs beside it.
  const chromium = ensureChromium();
  step("Building the portal in the background (next build), for Playwright");
  const build = startBuild();
  step("Linting in the background (ESLint, Prettier, knip); its output follows Vitest's");
  const linting = runLint([], { quiet: true });
  const unit = await runUnit(["--reporter=default", "--reporter=json", `--outputFile.json=${VITEST_JSON}`]);
  const { code: lint, output: lintOutput } = await linting;
  step(`Lint: ESLint, Prettier and the dead-code check (knip): ${lint === 0 ? "passed" : "FAILED"}`);
  if (lintOutput.trim()) console.log(lintOutput.trimEnd());
  const built = await build;
  const e2eCode = built === 0 && chromium ? await startE2e([], { chromium }).done : 1;
  printSlowestFiles({ vitestJson: VITEST_JSON, playwrightJson: PLAYWRIGHT_JSON, root: ROOT });
  const seconds = Math.round((Date.now() - started) / 1000);
  const word = (code) => (code === 0 ? "passed" : "FAILED");
  const e2eWord = built !== 0 ? "not run (next build failed)" : !chromium ? "not run (no Chromium)" : word(e2eCode);
  console.log(`\nlint: ${word(lint)} · vitest: ${word(unit)} · playwright: ${e2eWord} · ${seconds} s`);
  return [lint, unit, e2eCode].find((code) => code !== 0) ?? 0;
}
