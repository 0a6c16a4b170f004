import "server-only";
import type { Result } from "../core/errors";
import { adminActor } from "../sessions/current-session";
import { loadOwnAdminSession } from "./admin-environments";
import type { Authorized } from "./authorize";
import { getPortalEngine, getRunViewForViewer } from "./engine";
import { journeyPath } from "./journey-page";
import { findRunShape } from "./legacy";
import { cancelPlanKeepingSignIn } from "./replace-plan";
import { startPlan } from "./start-plan";

/** The environment picker's choice: the engine reads what exists and stores the plan; nothing is written yet. */
export function chooseEnvironment(who: Authorized, environment: string): Promise<Result<{ runId: string }>> {
  return startPlan(who, { environment, role: "leastPrivilege" });
}

/**
 * "Choose another environment": throws a plan awaiting approval away (keeping the admin's sign-in, since choosing
 * again still acts as them) and answers where this kind of run chooses its environment: the legacy form, the move to
 * OAuth, or the picker. Without the person's own sign-in, the sign-in page.
 */
export async function changeEnvironment({ session, connection }: Authorized, runId: string): Promise<string> {
  const engine = getPortalEngine();
  const run = await getRunViewForViewer(engine.db, runId, { kind: "account", accountId: session.accountId });
  const shape = run.ok ? await findRunShape(engine.db, run.value.id) : null;
  if (run.ok && run.value.connection.id === connection.id && run.value.status === "awaitingApproval") {
    const adminSession = await loadOwnAdminSession(connection.id, session);
    if (!adminSession) return journeyPath(connection.id, "sign-in");
    await cancelPlanKeepingSignIn(engine, { runId: run.value.id, connectionId: connection.id, actor: adminActor(session), session: adminSession });
  }
  const id = encodeURIComponent(connection.id);
  // Cancelling a disconnect keeps the connection as it was: back to its status.
  if (shape?.kind === "disconnect") return journeyPath(connection.id, "status");
  if (shape?.mode === "legacy") return `/connect/${id}/legacy`;
  if (shape?.kind === "migrate") return `/connect/${id}/migrate`;
  return journeyPath(connection.id, "environment");
}
