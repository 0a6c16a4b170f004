import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DATA_DIR = join(ROOT, ".data");
export const SANDBOX_DIR = join(DATA_DIR, "sandbox");
/** npm test's reports (Vitest's and Playwright's JSON, the build log): not test-results/, which Playwright empties. */
export const REPORTS_DIR = join(DATA_DIR, "test-reports");
export const BIN = (name) => join(ROOT, "node_modules", ".bin", name);

export function step(message) {
  console.log(`\n\u25B6 ${message}`);
}
