// Dead-code check (npm test runs it): no unused files, exports or dependencies. Next's, Vitest's, Playwright's and
// ESLint's entry points come from knip's plugins; the entries below are the ones no import reaches.
import type { KnipConfig } from "knip";

const config: KnipConfig = {
  entry: [
    // `node scripts/run.mjs <command>` imports ./commands/<command>.mjs by name.
    "scripts/commands/*.mjs",
    // Spawned with tsx by the commands (provision, probe, deeplink, secrets:rekey) and by test support (crash and portal
    // processes), never imported.
    "scripts/{provision,probe,deeplink,rekey-secrets}.ts",
    "test/support/{crash-worker,commit-and-crash,portal-background-process,sqlite-lock-holder}.ts",
    // Spawned with tsx by the support console's e2e fixture (e2e/fixtures/support-console.ts) to seed through the
    // portal's own commands.
    "test/support/seed-support-console.ts",
    // The sandbox's server and its command line (npm run emulator, Playwright's worker stacks).
    "emulator/{main,cli}.ts",
    // Benchmarks run by hand with tsx (README: npm run bench, bench/*.ts).
    "bench/*.{ts,mjs}",
  ],
  project: ["**/*.{ts,tsx,mjs}"],
  ignoreDependencies: [
    // Imported by the generated Prisma clients (generated/, git-ignored), which knip does not read.
    "@prisma/client",
    // `npm run lint` runs Prettier by path (node_modules/.bin).
    "prettier",
    // Loaded by app/globals.css (`@import "tailwindcss"`), which knip does not read.
    "tailwindcss",
  ],
  ignoreBinaries: ["apt-get"],
};

export default config;
