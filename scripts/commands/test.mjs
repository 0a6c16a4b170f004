import { rmSync } from "node:fs";
import { join } from "node:path";
import { printSlowestFiles } from "../lib/slowest-files.mjs";
import { REPORTS_DIR, ROOT, step } from "../lib/paths.mjs";
import { run as runLint } from "./lint.mjs";
import { run as runUnit } from "./test-unit.mjs";
import { PLAYWRIGHT_JSON, run as runE2e, startBuild } from "./test-e2e.mjs";

const VITEST_JSON = join(REPORTS_DIR, "vitest.json");

/**
 * `npm test`: every suite. `next build` and the linters start at once in the background (Vitest mostly waits on the
 * sandbox and the databases, so they fill the cores meanwhile); Vitest runs, the linters' output is printed after it as
 * one block, then Playwright once the build is done; at the end, the ten slowest test files. Extra arguments are not
 * forwarded; use test:unit / test:e2e for a subset.
 */
export async function run() {
  const started = Date.now();
  // The report reads this run's JSON only: a stage that does not run leaves no file behind from an earlier one.
  for (const report of [VITEST_JSON, PLAYWRIGHT_JSON]) rmSync(report, { force: true });
  step("Building the portal in the background (next build), for Playwright");
  const build = startBuild();
  step("Linting in the background (ESLint, Prettier, knip); its output follows Vitest's");
  const linting = runLint([], { quiet: true });
  const unit = await runUnit(["--reporter=default", "--reporter=json", `--outputFile.json=${VITEST_JSON}`]);
  const { code: lint, output: lintOutput } = await linting;
  step(`Lint: ESLint, Prettier and the dead-code check (knip): ${lint === 0 ? "passed" : "FAILED"}`);
  if (lintOutput.trim()) console.log(lintOutput.trimEnd());
  const built = await build;
  const e2e = built === 0 ? await runE2e([], { built: true }) : built;
  printSlowestFiles({ vitestJson: VITEST_JSON, playwrightJson: PLAYWRIGHT_JSON, root: ROOT });
  const seconds = Math.round((Date.now() - started) / 1000);
  const word = (code) => (code === 0 ? "passed" : "FAILED");
  const e2eWord = built === 0 ? word(e2e) : "not run (next build failed)";
  console.log(`\nlint: ${word(lint)} · vitest: ${word(unit)} · playwright: ${e2eWord} · ${seconds} s`);
  return [lint, unit, e2e].find((code) => code !== 0) ?? 0;
}
