/**
 * lib/core stands alone, as ESLint enforces it: its modules import nothing from the rest of lib/, components/ or app/
 * (by alias or by a relative path that climbs out of lib/core), and still not the sandbox or test support; the rest of
 * lib/ imports lib/core freely.
 */
import { describe, expect, it } from "vitest";
import { lintMessages } from "@/test/support/lint-probe";

function restrictedImports(source: string, filePath: string): Promise<string[]> {
  return lintMessages(source, filePath);
}

const ABOVE_BY_ALIAS = [
  'import { startRun } from "@/lib/provisioning/start-run";',
  'import { Button } from "@/components/ui/button";',
  'import RootLayout from "@/app/layout";',
  "export const used = [startRun, Button, RootLayout];",
  "",
].join("\n");

const INSIDE_CORE = ['import { getEnv } from "@/lib/core/env";', 'import { log } from "./log";', "export const used = [getEnv, log];", ""].join("\n");

describe("the lib/core boundary", () => {
  it.each(["lib/core/probe.ts", "lib/core/net/probe.ts"])(
    "%s may not import the rest of lib/, components/ or app/ by alias",
    async (file) => {
      const messages = await restrictedImports(ABOVE_BY_ALIAS, file);
      expect(messages).toHaveLength(3);
      expect(messages.every((m) => m.includes("lib/core imports nothing above it"))).toBe(true);
    },
    60_000,
  );

  it.each([
    ["lib/core/probe.ts", 'import { recordAuditEvent } from "../domain/audit/record-audit-event";\nexport const used = recordAuditEvent;\n'],
    ["lib/core/net/probe.ts", 'import { startRun } from "../../provisioning/start-run";\nexport const used = startRun;\n'],
  ])(
    "%s may not climb out of lib/core by a relative path",
    async (file, source) => {
      expect(await restrictedImports(source, file)).toHaveLength(1);
    },
    60_000,
  );

  it("still may not import the sandbox or test support", async () => {
    const source = 'import { buildScenario } from "@/emulator/scenarios";\nexport const used = buildScenario;\n';
    expect(await restrictedImports(source, "lib/core/probe.ts")).toHaveLength(1);
  }, 60_000);

  it.each([
    ["lib/core/probe.ts", INSIDE_CORE],
    ["lib/core/net/probe.ts", 'import { appError } from "../errors";\nimport { log } from "@/lib/core/log";\nexport const used = [appError, log];\n'],
    [
      "lib/provisioning/probe.ts",
      'import { getEnv } from "../core/env";\nimport { loadRun } from "@/lib/domain/run/run-store";\nexport const used = [getEnv, loadRun];\n',
    ],
  ])(
    "%s may import what it does",
    async (file, source) => {
      expect(await restrictedImports(source, file)).toEqual([]);
    },
    60_000,
  );
});
