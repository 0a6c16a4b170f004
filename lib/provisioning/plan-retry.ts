import type { AppError } from "../core/errors";
import type { RetryPolicy } from "../microsoft/retry";
import { withoutRetryPromise } from "../domain/run/machine";
import type { EngineConfig } from "./config";

/**
 * How the plan's reads wait out a throttled or briefly unavailable Microsoft. A step that is refused is put back to
 * wait and tried again for up to its budget (`budget.maxAttempts` attempts within `budget.stepBudgetMs`); the plan is
 * prepared while the admin waits and has no later attempt, so its reads themselves get that patience: each read may
 * try `budget.maxAttempts` times, honouring Retry-After (with jitter, http.ts), and all of them share one deadline.
 * The deadline is no later than one step attempt may run (`stepTimeoutMs`): planning holds a lease that is not
 * renewed, and a planner silent for longer than its lease and a step's time limit is presumed dead. And never past
 * PLAN_READ_BUDGET_CAP_MS: the plan is prepared inside the admin's request, which proxies in front of a portal commonly
 * cut after a minute or two; a plan that says "prepare it again in a few minutes" beats a page that never answers.
 */
export const PLAN_READ_BUDGET_CAP_MS = 90_000;

export function planReadBudgetMs(config: Pick<EngineConfig, "budget" | "stepTimeoutMs">): number {
  return Math.min(config.budget.stepBudgetMs, config.stepTimeoutMs, PLAN_READ_BUDGET_CAP_MS);
}

/** The retry policy of the plan's reads: the engine's call settings, with the plan's attempts and shared deadline. */
export function planRetryPolicy(
  config: Pick<EngineConfig, "budget" | "stepTimeoutMs">,
  base: Partial<RetryPolicy> | undefined,
  startedAt: number,
): Partial<RetryPolicy> {
  const budgetMs = planReadBudgetMs(config);
  return { ...base, maxAttempts: config.budget.maxAttempts, totalBudgetMs: budgetMs, deadlineAt: startedAt + budgetMs };
}

/**
 * The message of a plan whose reads were still refused when their budget ran out: what Microsoft said without the
 * promise to try again (nothing will), how long the portal kept at it, and what the admin can do.
 */
export function planGaveUpMessage(error: Pick<AppError, "userMessage">, elapsedMs: number): string {
  const seconds = Math.max(1, Math.round(elapsedMs / 1000));
  const spent = seconds >= 120 ? `${Math.round(seconds / 60)} minutes` : `${seconds} second${seconds === 1 ? "" : "s"}`;
  return `${withoutRetryPromise(error.userMessage)} The portal kept trying for ${spent} while preparing the plan and has stopped. Prepare the plan again in a few minutes; if it keeps failing, contact Act-On support.`;
}
