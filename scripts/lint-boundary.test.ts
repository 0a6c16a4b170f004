/**
 * The project's boundary, as ESLint enforces it: product code (app/, components/, lib/, scripts/) never imports the
 * Microsoft sandbox (emulator/) or test support (test/); tests, bench/ and e2e/ may.
 */
import { describe, expect, it } from "vitest";
import { lintMessages } from "@/test/support/lint-probe";

const SOURCE = [
  'import { createTestDatabase } from "@/test/support/test-databases";',
  'import { TEST_KEYS } from "../test/support/engine-fixture";',
  'import { buildScenario } from "@/emulator/scenarios";',
  'import { startSandbox } from "../emulator/core/server";',
  "export const used = [createTestDatabase, TEST_KEYS, buildScenario, startSandbox];",
  "",
].join("\n");

async function restrictedImports(filePath: string): Promise<number> {
  return (await lintMessages(SOURCE, filePath)).length;
}

describe("the import boundary", () => {
  it.each(["lib/provisioning/probe.ts", "lib/webhooks/testing/probe.ts", "app/connect/probe.ts", "components/probe.tsx", "scripts/probe.ts"])(
    "product code %s may not import emulator/ or test/",
    async (file) => {
      expect(await restrictedImports(file)).toBe(4);
    },
    60_000,
  );

  it.each(["lib/provisioning/probe.integration.test.ts", "scripts/probe.test.ts", "bench/probe.ts", "e2e/probe.ts"])(
    "%s may",
    async (file) => {
      expect(await restrictedImports(file)).toBe(0);
    },
    60_000,
  );
});
