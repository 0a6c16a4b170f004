import "server-only";
import { getDb } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { createHandoffForPlan } from "../handoff/handoff-for-plan";
import { handoffConfigFromEnv } from "../handoff/handoff-config";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";
import { wasPreparedBy } from "./prepared-by";

export type HandoffLink = { url: string; expiresAt: string; validForHours: number; requiredRole: string };

/**
 * The signed-in person lacks a role the plan needs: a single-use hand-off link (24 h by default) for a colleague who
 * holds it, scoped to this connection and the steps that need them, made by the plan's preparer (signed in, though a
 * colleague's sign-in may since have replaced theirs). The link is answered once and never stored.
 */
export async function createHandoffLink({ session, connection }: Authorized, runId: string): Promise<Result<HandoffLink>> {
  const config = handoffConfigFromEnv();
  if (!config.ok) return config;
  // A hand-off delegates the plan its creator prepared: only that person hands it off (anyone else re-checks it first).
  if (!(await wasPreparedBy(getDb(), session, runId)))
    return fail(appError("forbidden", "Only the person who prepared this plan can hand it off. Check the plan again as you first."));
  const created = await createHandoffForPlan(
    getDb(),
    { accountId: session.accountId, connectionId: connection.id, runId, actor: adminActor(session) },
    config.value,
  );
  if (!created.ok) return created;
  return ok({
    url: created.value.url,
    expiresAt: created.value.expiresAt.toISOString(),
    validForHours: Math.round(config.value.ttlMs / 3_600_000),
    requiredRole: created.value.requiredRole,
  });
}
