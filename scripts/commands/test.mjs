import { rmSync } from "node:fs";
import { join } from "node:path";
import { printSlowestFiles } from "../lib/slowest-files.mjs";
import { REPORTS_DIR, ROOT, step } from "../lib/paths.mjs";
import { run as runLint } from "./lint.mjs";
import { run as runUnit } from "./test-unit.mjs";
import { ensureChromium } from "../lib/install.mjs";
import { setTreePriority } from "../lib/priority.mjs";
import { PLAYWRIGHT_JSON, startBuild, startE2e } from "./test-e2e.mjs";

const VITEST_JSON = join(REPORTS_DIR, "vitest.json");

/** The nice value of what runs beside `next build`, which Playwright waits for. */
const BESIDE_THE_BUILD = 10;

/**
 * `npm test`: every suite, packed onto the machine's cores. `next build` starts at once; Vitest and the linters start
 * beside it at a lower priority, so the build, which Playwright waits for, gets the CPU first. Once the build is done,
 * Vitest is back at normal priority and Playwright starts beside the rest of it (Vitest's suites mostly wait on leases,
 * lags and databases, which leaves a core for the browser). The linters stay low: nothing waits for them until the
 * end. Their output and Playwright's are held back and printed after Vitest's, so the suites do not interleave; at the
 * end, the ten slowest test files. Extra arguments are not forwarded; use test:unit / test:e2e for a subset.
 */
export async function run() {
  const started = Date.now();
  // The report reads this run's JSON only: a stage that does not run leaves no file behind from an earlier one.
  for (const report of [VITEST_JSON, PLAYWRIGHT_JSON]) rmSync(report, { force: true });
  // Installing Chromium (apt-get, as root) before anything runs beside it.
  const chromium = ensureChromium();
  step("Building the portal (next build); Playwright starts once it is done");
  let vitest = null;
  let buildDone = false;
  const e2e = startBuild().then((built) => {
    buildDone = true;
    if (vitest) setTreePriority(vitest.pid, 0);
    if (built !== 0 || !chromium) return { built, e2e: null };
    return { built, e2e: startE2e([], { chromium, held: true }) };
  });
  step("Linting in the background (ESLint, Prettier, knip); its output follows Vitest's");
  const linting = runLint([], { quiet: true, niceness: BESIDE_THE_BUILD });
  const unit = await runUnit(["--reporter=default", "--reporter=json", `--outputFile.json=${VITEST_JSON}`], {
    onStart: (child) => {
      vitest = child;
      // Only where its priority can be raised back afterwards (root); else it keeps the normal one throughout.
      if (!buildDone && process.getuid?.() === 0) setTreePriority(child.pid, BESIDE_THE_BUILD);
    },
  });
  const { code: lint, output: lintOutput } = await linting;
  step(`Lint: ESLint, Prettier and the dead-code check (knip): ${lint === 0 ? "passed" : "FAILED"}`);
  if (lintOutput.trim()) console.log(lintOutput.trimEnd());
  const { built, e2e: playwright } = await e2e;
  playwright?.release();
  const e2eCode = playwright ? await playwright.done : 1;
  printSlowestFiles({ vitestJson: VITEST_JSON, playwrightJson: PLAYWRIGHT_JSON, root: ROOT });
  const seconds = Math.round((Date.now() - started) / 1000);
  const word = (code) => (code === 0 ? "passed" : "FAILED");
  const e2eWord = built !== 0 ? "not run (next build failed)" : !chromium ? "not run (no Chromium)" : word(e2eCode);
  console.log(`\nlint: ${word(lint)} · vitest: ${word(unit)} · playwright: ${e2eWord} · ${seconds} s`);
  return [lint, unit, e2eCode].find((code) => code !== 0) ?? 0;
}
