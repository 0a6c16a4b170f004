import { describe, expect, it } from "vitest";
import { parseEnv } from "../core/env-schema";
import { engineConfigFromEnv } from "./config";

const KEY = `k1:${Buffer.alloc(32, 7).toString("base64")}`;

describe("the engine's wait budgets by default", () => {
  it("follow Microsoft: writes replicate within about two minutes, its own automation polls for up to ten", () => {
    const config = engineConfigFromEnv(parseEnv({ PORTAL_ENCRYPTION_KEYS: KEY }));
    expect(config.replicationWindowMs).toBe(2 * 60_000);
    expect(config.budget.stepBudgetMs).toBe(10 * 60_000);
    // The attempt limit never cuts the ten minutes short when Microsoft gives no Retry-After.
    expect(config.budget.maxAttempts * config.pollIntervalMs).toBeGreaterThanOrEqual(config.budget.stepBudgetMs);
  });

  it("a shorter step budget (tests, rehearsals) shortens the replication window with it", () => {
    const config = engineConfigFromEnv(parseEnv({ PORTAL_ENCRYPTION_KEYS: KEY, PROVISIONING_STEP_BUDGET_MS: "30000" }));
    expect(config.replicationWindowMs).toBe(30_000);
  });
});
