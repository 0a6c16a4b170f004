import "server-only";
import { saveAdminSession } from "../domain/session/admin-sign-in";
import type { AdminSession } from "../microsoft/admin-session";
import type { Actor } from "../provisioning/actor";
import type { Engine } from "../provisioning/engine";
import { cancelRun } from "../provisioning/retry-run";

/**
 * "Replace the plan, keep the sign-in", the one way every path does it: cancels a run's plan (a plan awaiting
 * approval, or a failed approved run) while keeping the admin's sign-in, which the engine's cancel forgets, so
 * choosing again (another environment, role or user) still acts as them.
 */
export async function cancelPlanKeepingSignIn(
  engine: Engine,
  input: { runId: string; connectionId: string; actor: Actor; session: AdminSession | null },
) {
  const cancelled = await cancelRun(engine, { runId: input.runId, actor: input.actor });
  if (cancelled.ok && input.session) {
    await saveAdminSession(engine.db, { connectionId: input.connectionId, session: input.session, keys: engine.config.keys });
  }
  return cancelled;
}
