import path from "node:path";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const everything = [
  "app/**/*.test.ts",
  "lib/**/*.test.ts",
  "emulator/**/*.test.ts",
  "scripts/**/*.test.ts",
  "bench/**/*.test.ts",
  "test/**/*.test.ts",
];
const excluded = ["node_modules/**", "e2e/**", ".next/**", "generated/**"];
/** Whole provisioning runs against the sandbox: the suites that wait most (lag, leases, crashing processes). */
const engine = ["lib/provisioning/**/*.integration.test.ts", "scripts/provision.integration.test.ts"];
/** A real database or a running sandbox: the data layer, the Microsoft clients, the APIs. */
const integration = ["**/*.integration.test.ts"];
/** The sandbox's own contract tests, each against a sandbox it starts. */
const contracts = ["emulator/**/*.test.ts"];

const resolve: ViteUserConfig["resolve"] = {
  alias: {
    // Vitest runs outside React's server condition, where `server-only` would throw on import.
    "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    "@": path.resolve(import.meta.dirname),
  },
};
/** What every project shares (not `extends: true`: that would run the root's global setup once per project). */
const shared = { pool: "forks", testTimeout: 30_000, hookTimeout: 60_000 } as const;

export default defineConfig({
  resolve,
  test: {
    ...shared,
    // Migrates a SQLite and a PostgreSQL template once per run; each file copies one instead of running
    // `migrate deploy` itself (test/support/vitest-global-setup.ts).
    globalSetup: ["test/support/vitest-global-setup.ts"],
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || 3,
    // Vitest's sequencer runs projects in name order and, within one, the longest files first (by the last run's
    // durations, else by size): the engine's long waits start at once and the short unit files fill the gaps.
    projects: [
      { resolve, test: { ...shared, name: "engine", include: engine, exclude: excluded } },
      { resolve, test: { ...shared, name: "integration", include: [...integration, ...contracts], exclude: [...excluded, ...engine] } },
      { resolve, test: { ...shared, name: "unit", include: everything, exclude: [...excluded, ...integration, ...contracts] } },
    ],
  },
});
