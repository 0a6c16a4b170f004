import { randomBytes } from "node:crypto";
import { defineConfig } from "@playwright/test";
import { PORTAL_APP, PORTAL_APP_SECRET, TENANTS } from "./emulator/scenarios/ids";

const SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT || 4543);
const PORTAL_PORT = Number(process.env.E2E_PORTAL_PORT || 3100);
// The support console's webhook spec runs an HTTPS receiver here (the sandbox's localhost certificate).
const RECEIVER_PORT = Number((process.env.E2E_WEBHOOK_RECEIVER_PORT ||= String(SANDBOX_PORT + 6)));
const sandboxOrigin = `https://localhost:${SANDBOX_PORT}`;

// Throwaway deep-link key for this run. Set on process.env so Playwright's workers (which inherit the runner's
// environment and evaluate this file again) sign links with the same key the portal verifies them with.
process.env.E2E_DEEP_LINK_SECRET ||= `e2e:${randomBytes(32).toString("base64url")}`;
process.env.E2E_ACTON_RETURN_ORIGINS ||= "https://app.act-on.example";

// The e2e portal runs as production (`next start`) with throwaway secrets and its own database file.
const portalEnv: Record<string, string> = {
  DATABASE_URL: process.env.E2E_DATABASE_URL || "file:./.data/e2e.db",
  PORTAL_BASE_URL: `http://localhost:${PORTAL_PORT}`,
  PORTAL_ENCRYPTION_KEYS: `e2e:${randomBytes(32).toString("base64")}`,
  DEEP_LINK_SECRET: process.env.E2E_DEEP_LINK_SECRET,
  ACTON_RETURN_ORIGINS: process.env.E2E_ACTON_RETURN_ORIGINS,
  // The sandbox's registration of the portal's own multi-tenant app (admins sign in with it).
  PORTAL_CLIENT_ID: PORTAL_APP.appId,
  PORTAL_CLIENT_SECRET: PORTAL_APP_SECRET,
  ACTON_TENANT_ID: TENANTS.actoncorp,
  MICROSOFT_AUTHORITY_HOST: sandboxOrigin,
  MICROSOFT_GRAPH_URL: `${sandboxOrigin}/graph`,
  MICROSOFT_DISCOVERY_URL: `${sandboxOrigin}/globaldisco`,
  DYNAMICS_ALLOWED_HOSTS: `localhost:${SANDBOX_PORT}`,
  ONPREM_ALLOWED_PRIVATE_HOSTS: `localhost:${SANDBOX_PORT}`,
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: `localhost:${RECEIVER_PORT}`,
  NEXT_TELEMETRY_DISABLED: "1",
  // The sandbox answers at once: a step that keeps failing (an injected 503) gives up after seconds, not minutes, and
  // due runs are picked up within a second.
  PROVISIONING_STEP_BUDGET_MS: "8000",
  PROVISIONING_POLL_INTERVAL_MS: "500",
  PROVISIONING_RESUME_INTERVAL_MS: "1000",
};

export default defineConfig({
  testDir: "e2e",
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // One worker: the specs share one sandbox and reset it to a scenario; two workers would reset it under each other.
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORTAL_PORT}`,
    trace: "retain-on-failure",
    // The sandbox's certificate comes from a local CA the browser does not know.
    ignoreHTTPSErrors: true,
    launchOptions: { executablePath: "/usr/bin/chromium" },
  },
  // The sandbox first, then the app (which talks to it), as two servers Playwright starts and stops.
  webServer: [
    {
      command: "./node_modules/.bin/tsx emulator/main.ts",
      url: `${sandboxOrigin}/__emulator/endpoints`,
      ignoreHTTPSErrors: true,
      env: { EMULATOR_PORT: String(SANDBOX_PORT) },
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `node scripts/migrate.mjs && ./node_modules/.bin/next start -p ${PORTAL_PORT}`,
      url: `http://localhost:${PORTAL_PORT}/api/health`,
      env: portalEnv,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
