import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DATA_DIR = join(ROOT, ".data");
export const SANDBOX_DIR = join(DATA_DIR, "sandbox");
export const BIN = (name) => join(ROOT, "node_modules", ".bin", name);

export function step(message) {
  console.log(`\n\u25B6 ${message}`);
}
