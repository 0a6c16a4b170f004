import { run as runLint } from "./lint.mjs";
import { run as runUnit } from "./test-unit.mjs";
import { run as runE2e } from "./test-e2e.mjs";

/** `npm test`: every suite. Extra arguments are not forwarded; use test:unit / test:e2e for a subset. */
export async function run() {
  const started = Date.now();
  const lint = await runLint();
  const unit = await runUnit();
  const e2e = await runE2e();
  const seconds = Math.round((Date.now() - started) / 1000);
  const word = (code) => (code === 0 ? "passed" : "FAILED");
  console.log(`\nlint: ${word(lint)} · vitest: ${word(unit)} · playwright: ${word(e2e)} · ${seconds} s`);
  return [lint, unit, e2e].find((code) => code !== 0) ?? 0;
}
