import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      // Vitest runs outside React's server condition, where `server-only` would throw on import.
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
      "@": path.resolve(import.meta.dirname),
    },
  },
  test: {
    include: ["app/**/*.test.ts", "lib/**/*.test.ts", "emulator/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", ".next/**", "generated/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only adds contention with the sandbox and PostgreSQL.
    maxWorkers: 2,
  },
});
