import { describe, expect, it } from "vitest";
import { PLAN_READ_BUDGET_CAP_MS, planGaveUpMessage, planReadBudgetMs, planRetryPolicy } from "./plan-retry";

describe("the plan's retry budget", () => {
  const config = { budget: { stepBudgetMs: 600_000, maxAttempts: 60 }, stepTimeoutMs: 300_000 };

  it("lets the plan's reads try as often as a step, sharing one deadline no later than a step attempt may run", () => {
    expect(planReadBudgetMs({ ...config, budget: { stepBudgetMs: 20_000, maxAttempts: 60 } })).toBe(20_000);
    expect(planReadBudgetMs({ ...config, stepTimeoutMs: 30_000 })).toBe(30_000);
    expect(planRetryPolicy({ ...config, stepTimeoutMs: 30_000 }, { baseDelayMs: 20, maxAttempts: 4 }, 1_000)).toEqual({
      baseDelayMs: 20,
      maxAttempts: 60,
      totalBudgetMs: 30_000,
      deadlineAt: 31_000,
    });
  });

  it("never keeps the admin's request waiting past the cap, whatever a step may spend", () => {
    expect(planReadBudgetMs(config)).toBe(PLAN_READ_BUDGET_CAP_MS);
    expect(PLAN_READ_BUDGET_CAP_MS).toBeLessThanOrEqual(90_000);
  });

  it("says what Microsoft said and that the portal stopped, never that it will retry", () => {
    expect(planGaveUpMessage({ userMessage: "Microsoft asked us to slow down. We will retry shortly." }, 64_000)).toBe(
      "Microsoft asked us to slow down. The portal kept trying for 64 seconds while preparing the plan and has stopped. Prepare the plan again in a few minutes; if it keeps failing, contact Act-On support.",
    );
    expect(planGaveUpMessage({ userMessage: "Microsoft did not answer in time. We will retry shortly." }, 300_000)).toMatch(
      /^Microsoft did not answer in time\. The portal kept trying for 5 minutes while/,
    );
  });
});
