import { run as runUnit } from "./test-unit.mjs";
import { run as runE2e } from "./test-e2e.mjs";

/** `npm test`: every suite. Extra arguments are not forwarded; use test:unit / test:e2e for a subset. */
export async function run() {
  const started = Date.now();
  const unit = await runUnit();
  const e2e = await runE2e();
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\nvitest: ${unit === 0 ? "passed" : "FAILED"} · playwright: ${e2e === 0 ? "passed" : "FAILED"} · ${seconds} s`);
  return unit !== 0 ? unit : e2e;
}
