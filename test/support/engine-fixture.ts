/**
 * Test support for the provisioning engine: an Engine wired to the in-process sandbox and a real database, with the
 * budgets shortened (the production defaults wait minutes for Microsoft). Used only by *.integration.test.ts.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../lib/db";
import type { MicrosoftSandbox } from "./microsoft-sandbox";
import { FAST_RETRY } from "./microsoft-sandbox";
import type { EngineConfig } from "../../lib/provisioning/config";
import type { Engine } from "../../lib/provisioning/engine";

export const TEST_KEYS = [{ id: "test", key: randomBytes(32) }];

export function testEngineConfig(fx: MicrosoftSandbox, overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    identity: fx.config,
    allowedDynamicsHosts: [new URL(fx.origin).host],
    onPremisesAllowedPrivateHosts: [new URL(fx.origin).host],
    keys: TEST_KEYS,
    budget: { stepBudgetMs: 20_000, maxAttempts: 40 },
    pollIntervalMs: 50,
    leaseMs: 5_000,
    replicationWindowMs: 3_000,
    secretLifetimeDays: 365,
    maxInlineWaitMs: 10_000,
    callTimeoutMs: 10_000,
    stepTimeoutMs: 15_000,
    pauseMs: 50,
    concurrency: 4,
    adminSessionTtlMs: 60 * 60_000,
    ...overrides,
  };
}

export function testEngine(
  db: Db,
  fx: MicrosoftSandbox,
  options: { owner?: string; config?: Partial<EngineConfig> } & Partial<Omit<Engine, "config">> = {},
): Engine {
  const { config, owner, ...rest } = options;
  return { db, owner: owner ?? `test-${randomBytes(3).toString("hex")}`, config: testEngineConfig(fx, config), call: { retry: FAST_RETRY }, ...rest };
}
