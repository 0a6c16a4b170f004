import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

// Throwaway deep-link key for this run. Set on process.env so Playwright's workers (which inherit the runner's
// environment and evaluate this file again) sign links with the same key their portals verify them with.
process.env.E2E_DEEP_LINK_SECRET ||= `e2e:${randomBytes(32).toString("base64url")}`;
process.env.E2E_ACTON_RETURN_ORIGINS ||= "https://app.act-on.example";

function defaultChromium() {
  return existsSync("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium";
}

export default defineConfig({
  testDir: "e2e",
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // Each worker starts its own sandbox, database and portal on base port + its slot (e2e/fixtures/worker-stack.ts,
  // worker-ports.ts), so specs that reset their sandbox run side by side. Two: one per core.
  workers: Number(process.env.E2E_WORKERS) || 2,
  // A whole journey (Microsoft sign-in, a provisioning run, screenshots and axe-core on every page) on a loaded
  // two-core machine; a step that waits on the engine says so with its own, longer expectation.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["json", { outputFile: process.env.E2E_JSON_REPORT || ".data/test-reports/playwright.json" }]],
  use: {
    // A trace records every frame and DOM snapshot (about a third of a spec's CPU), so only a retried test keeps one
    // (CI retries once). E2E_TRACE=retain-on-failure when chasing a failure locally.
    trace: (process.env.E2E_TRACE as "on-first-retry" | undefined) ?? "on-first-retry",
    // The sandbox's certificate comes from a local CA the browser does not know.
    ignoreHTTPSErrors: true,
    // Debian's Chromium headless shell, else its full Chromium (scripts/lib/install.mjs); E2E_CHROMIUM names another.
    launchOptions: { executablePath: process.env.E2E_CHROMIUM || defaultChromium() },
  },
});
