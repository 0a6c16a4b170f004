import "server-only";
import { getDb } from "../core/db";
import { ok, type Result } from "../core/errors";
import { createHandoffForPlan } from "../handoff/handoff-for-plan";
import { handoffConfigFromEnv } from "../handoff/handoff-config";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";

export type HandoffLink = { url: string; expiresAt: string; validForHours: number; requiredRole: string };

/**
 * The signed-in person lacks a role the plan needs: a single-use hand-off link (24 h by default) for a colleague who
 * holds it, scoped to this connection and the steps that need them. The link is answered once and never stored.
 */
export async function createHandoffLink({ session, connection }: Authorized, runId: string): Promise<Result<HandoffLink>> {
  const config = handoffConfigFromEnv();
  if (!config.ok) return config;
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
