import { spawnSync } from "node:child_process";
import { ensureChromium } from "../lib/install.mjs";
import { BIN, ROOT, step } from "../lib/paths.mjs";

/** Builds the portal and runs Playwright in Debian's Chromium; playwright.config.ts starts the sandbox, then the app. */
export async function run(args = []) {
  if (!ensureChromium()) return 1;
  step("Building the portal (next build)");
  const build = spawnSync(BIN("next"), ["build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) return build.status ?? 1;
  step("Playwright end-to-end tests (Chromium)");
  const r = spawnSync(BIN("playwright"), ["test", ...args], { cwd: ROOT, stdio: "inherit", env: process.env });
  return r.status ?? 1;
}
