/**
 * Routes reach the product through its use-case layers, as ESLint enforces it: app/ may import lib/connect, lib/api,
 * lib/support, views and core/ui, and the domain's pure vocabulary; never the engine (lib/provisioning), Microsoft's
 * clients (lib/microsoft), the domain owners' writes, nor lib/journey or lib/paths (folded into lib/connect), by alias
 * or by a relative path.
 */
import { describe, expect, it } from "vitest";
import { lintMessages } from "@/test/support/lint-probe";

const FORBIDDEN = [
  'import { approveRun } from "@/lib/provisioning/approve-run";',
  'import { getPortalEngine } from "@/lib/provisioning/run-pool";',
  'import { listEnvironments } from "@/lib/microsoft/discovery";',
  'import { saveSyncOptions } from "@/lib/domain/connection/commands";',
  'import { findRunOptions } from "@/lib/domain/run/run-store";',
  'import { saveAdminSession } from "@/lib/domain/session/admin-sign-in";',
  'import { recordAuditEvent } from "@/lib/domain/audit/record-audit-event";',
  'import { loadJourney } from "@/lib/journey/load-journey";',
  'import { connectOnPremises } from "@/lib/paths/connect-on-premises";',
  'import { startRun } from "../../../lib/provisioning/start-run";',
  'import { sealSecret } from "../../lib/domain/secret/secret-box";',
  "export const used = [approveRun, getPortalEngine, listEnvironments, saveSyncOptions, findRunOptions, saveAdminSession, recordAuditEvent, loadJourney, connectOnPremises, startRun, sealSecret];",
  "",
].join("\n");

const ALLOWED = [
  'import { authorizePage } from "@/lib/connect/authorize";',
  'import { connectOnPremises } from "@/lib/connect/on-premises";',
  'import { problem } from "@/lib/api/problem";',
  'import { fieldErrorsOf } from "@/lib/core/forms";',
  'import { Button } from "@/components/ui/button";',
  'import { isInProgress } from "@/lib/domain/run/machine";',
  'import { STATUS_LABELS } from "@/lib/domain/connection/status";',
  'import { HEALTH_STATE_LABELS } from "@/lib/domain/connection/health-machine";',
  'import type { RunView } from "@/lib/domain/run/run-view";',
  "export const used = [authorizePage, connectOnPremises, problem, fieldErrorsOf, Button, isInProgress, STATUS_LABELS, HEALTH_STATE_LABELS];",
  "export type Used = RunView;",
  "",
].join("\n");

function restrictedImports(source: string, filePath: string): Promise<string[]> {
  return lintMessages(source, filePath);
}

describe("the app boundary", () => {
  it.each(["app/connect/[connectionId]/probe/page.tsx", "app/support/probe.tsx", "app/api/v1/probe/route.ts"])(
    "%s may not reach around the use-case layers",
    async (file) => {
      const messages = await restrictedImports(FORBIDDEN, file);
      expect(messages).toHaveLength(11);
      expect(messages.every((m) => m.includes("app/ goes through a use-case layer"))).toBe(true);
    },
    60_000,
  );

  // These once reached the engine, the run store or the audit log directly and were left out of the rule; each now
  // goes through a use case, so the rule covers them like every other route file.
  it.each([
    "app/connect/[connectionId]/actions.ts",
    "app/connect/[connectionId]/plan/plan.action.ts",
    "app/connect/[connectionId]/plan/page.tsx",
    "app/api/v1/connections/[id]/verification/route.ts",
    "app/api/support/connections/[id]/verification/route.ts",
    "app/launch/route.ts",
  ])(
    "%s is covered by the rule (no exceptions)",
    async (file) => {
      const messages = await restrictedImports(FORBIDDEN, file);
      expect(messages).toHaveLength(11);
    },
    60_000,
  );

  it("the least-privilege role comes through lib/connect/manual, not the engine", async () => {
    const source =
      'import { LEAST_PRIVILEGE_ROLE_NAME } from "@/lib/provisioning/least-privilege-role";\nexport const used = LEAST_PRIVILEGE_ROLE_NAME;\n';
    expect(await restrictedImports(source, "app/connect/[connectionId]/manual/page.tsx")).toHaveLength(1);
    const allowed = 'import { LEAST_PRIVILEGE_ROLE_NAME } from "@/lib/connect/manual";\nexport const used = LEAST_PRIVILEGE_ROLE_NAME;\n';
    expect(await restrictedImports(allowed, "app/connect/[connectionId]/manual/page.tsx")).toEqual([]);
  }, 60_000);

  it("app/ may import the use-case layers, core/ui and the domain's pure vocabulary", async () => {
    expect(await restrictedImports(ALLOWED, "app/connect/[connectionId]/probe/page.tsx")).toEqual([]);
  }, 60_000);

  it("app/ still may not import the sandbox or test support", async () => {
    const source = 'import { buildScenario } from "@/emulator/scenarios";\nexport const used = buildScenario;\n';
    expect(await restrictedImports(source, "app/connect/probe.tsx")).toHaveLength(1);
  }, 60_000);

  it("lib/connect itself may use the engine and the domain (it is the layer)", async () => {
    expect(await restrictedImports(FORBIDDEN, "lib/connect/probe.ts")).toEqual([]);
  }, 60_000);
});
