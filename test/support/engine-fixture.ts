/**
 * Test support for the provisioning engine: an Engine wired to the in-process sandbox and a real database, with the
 * budgets shortened (the production defaults wait minutes for Microsoft). Used only by *.integration.test.ts.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../lib/core/db";
import type { MicrosoftSandbox } from "./microsoft-sandbox";
import { FAST_RETRY } from "./microsoft-sandbox";
import type { EngineConfig } from "../../lib/provisioning/config";
import type { Engine } from "../../lib/provisioning/engine";

export const TEST_KEYS = [{ id: "test", key: randomBytes(32) }];

function testEngineConfig(fx: MicrosoftSandbox, overrides: Partial<EngineConfig> = {}): EngineConfig {
  const config: EngineConfig = {
    identity: fx.config,
    allowedDynamicsHosts: [new URL(fx.origin).host],
    onPremisesAllowedPrivateHosts: [new URL(fx.origin).host],
    keys: TEST_KEYS,
    // As in production (10 min, 60 attempts 15 s apart), the time budget binds, not the attempt count: 400 polls 50 ms
    // apart outlast the 20 s, so Microsoft's lag (the realistic sandbox's 3 s admission of a new application user) is
    // waited out however fast the polls come back.
    budget: { stepBudgetMs: 20_000, maxAttempts: 400 },
    pollIntervalMs: 50,
    leaseMs: 5_000,
    replicationWindowMs: 20_000,
    secretLifetimeDays: 365,
    maxInlineWaitMs: 10_000,
    callTimeoutMs: 10_000,
    stepTimeoutMs: 15_000,
    pauseMs: 50,
    concurrency: 4,
    adminSessionTtlMs: 60 * 60_000,
    ...overrides,
  };
  // As in production (config.ts): what this run just created may lag for the whole step budget, up to two minutes.
  // A shorter window fails a step whose create landed late in it, on a loaded machine against the realistic sandbox.
  if (overrides.replicationWindowMs === undefined) config.replicationWindowMs = Math.min(config.budget.stepBudgetMs, 2 * 60_000);
  return config;
}

export function testEngine(
  db: Db,
  fx: MicrosoftSandbox,
  options: { owner?: string; config?: Partial<EngineConfig> } & Partial<Omit<Engine, "config">> = {},
): Engine {
  const { config, owner, ...rest } = options;
  return { db, owner: owner ?? `test-${randomBytes(3).toString("hex")}`, config: testEngineConfig(fx, config), call: { retry: FAST_RETRY }, ...rest };
}

/** Where a run stands, for assertion messages: its status and any step that is not done, with its error. */
export function runSummary(result: {
  status: string;
  run: { steps: { name: string; status: string; attempts: number; errorCode: string | null; errorDetail: string | null }[] } | null;
}): string {
  const open = result.run?.steps.filter((s) => s.status !== "succeeded" && s.status !== "skipped" && s.status !== "pending") ?? [];
  return `${result.status}: ${open.map((s) => `${s.name} ${s.status} after ${s.attempts} attempts, ${s.errorCode ?? ""} ${s.errorDetail ?? ""}`).join("; ")}`;
}
