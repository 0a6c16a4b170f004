import "server-only";
import { log } from "../core/log";
import { readUserAuditHistory, type DataverseContext } from "../microsoft/dataverse";
import { isMicrosoftError } from "../microsoft/errors";
import { isAuditableCause, whoChangedLines } from "../connect/who-changed";
import type { StepContext } from "./steps/step-context";

/**
 * A repair plan's "who changed what": only for a repair (the secret kept) of a connection whose health cause a
 * change to its application user explains (disabled, deleted, role taken), the environment's audit history is read
 * with the admin's own delegated sign-in. Ordinary connects never read it. Never fails the plan: a refused or failed
 * read says nothing, because nothing is known. The lines wait for the role names the rest of the plan reads.
 */
export async function readWhoChanged(
  ctx: StepContext,
  dv: DataverseContext,
): Promise<{ lines: (roleNames: Record<string, string>) => string[] } | null> {
  const systemUserId = ctx.connection.applicationUserId;
  if (ctx.options.secret !== "keep" || ctx.options.mode !== "cloud" || !systemUserId) return null;
  // Optional reading: one retry and 10 s per call at most, so a throttled audit history never holds the plan up the
  // way the reads the plan needs may.
  const retry = {
    ...dv.retry,
    maxAttempts: Math.min(dv.retry?.maxAttempts ?? 2, 2),
    totalBudgetMs: Math.min(dv.retry?.totalBudgetMs ?? 10_000, 10_000),
  };
  try {
    const health = await ctx.db.connection.findUnique({ where: { id: ctx.connection.id }, select: { healthState: true, healthCause: true } });
    const cause = health?.healthCause;
    if (!health || health.healthState === "healthy" || !isAuditableCause(cause)) return null;
    const history = await readUserAuditHistory({ ...dv, retry }, { systemUserId });
    return { lines: (roleNames) => whoChangedLines({ cause, history, roleNames }) };
  } catch (error) {
    if (!isMicrosoftError(error))
      log.error("provisioning: reading who changed the application user failed", { connectionId: ctx.connection.id, error });
    else log.info("provisioning: audit history not read", { connectionId: ctx.connection.id, code: error.appError.code, status: error.status });
    return null;
  }
}
