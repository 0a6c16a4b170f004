// The report `npm test` ends with: the ten slowest test files of the run (Vitest files and Playwright specs), so a
// slowdown is seen when it lands. A report, not a check: these machines are noisy.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

/** Per-file wall time of a Vitest JSON report: [{ file, tests, ms }]. */
export function vitestFiles(report, root) {
  return (report?.testResults ?? []).map((r) => ({
    file: relative(root, r.name),
    tests: r.assertionResults?.length ?? 0,
    ms: Math.max(0, (r.endTime ?? 0) - (r.startTime ?? 0)),
  }));
}

/** Per-spec time of a Playwright JSON report (its tests' durations, retries included): [{ file, tests, ms }]. */
export function playwrightFiles(report) {
  const byFile = new Map();
  const visit = (suite) => {
    for (const spec of suite.specs ?? []) {
      const entry = byFile.get(spec.file) ?? { file: `e2e/${spec.file}`, tests: 0, ms: 0 };
      for (const test of spec.tests ?? []) {
        entry.tests += 1;
        for (const result of test.results ?? []) entry.ms += result.duration ?? 0;
      }
      byFile.set(spec.file, entry);
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  for (const suite of report?.suites ?? []) visit(suite);
  return [...byFile.values()];
}

/** The `count` slowest files as printable lines, slowest first. */
export function slowestLines(files, count = 10) {
  const top = [...files].sort((a, b) => b.ms - a.ms).slice(0, count);
  const width = Math.max(0, ...top.map((f) => f.file.length));
  return top.map((f) => `${(f.ms / 1000).toFixed(1).padStart(7)} s  ${f.file.padEnd(width)}  ${f.tests} test${f.tests === 1 ? "" : "s"}`);
}

function readJson(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** Prints the report from the run's JSON files (a missing one, e.g. Playwright not reached, is left out). */
export function printSlowestFiles({ vitestJson, playwrightJson, root }) {
  const files = [...vitestFiles(readJson(vitestJson), root), ...playwrightFiles(readJson(playwrightJson))];
  if (!files.length) return;
  console.log("\nThe ten slowest test files of this run (Vitest and Playwright):");
  for (const line of slowestLines(files)) console.log(line);
}
