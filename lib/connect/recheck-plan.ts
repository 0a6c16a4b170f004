import "server-only";
import { findRunOptions } from "../domain/run/run-store";
import type { Authorized } from "./authorize";
import { getPortalEngine } from "./engine";
import { journeyPath } from "./journey-page";
import { findRunShape } from "./legacy";
import { startPlan } from "./start-plan";

/**
 * Computes the plan again for the same environment (after the admin fixed a blocker) and answers where the journey
 * goes next. The environment, role and kind are the plan's own, never the form's: a colleague's hand-off cannot move
 * the connection. A move to OAuth stays a move; a legacy plan needs its password again (its own form).
 */
export async function recheckPlan(who: Authorized, runId: string | null): Promise<string> {
  const { connection } = who;
  const planPath = journeyPath(connection.id, "plan");
  if (runId === null) return planPath;
  const engine = getPortalEngine();
  const run = await engine.db.provisioningRun.findFirst({ where: { id: runId, connectionId: connection.id }, select: { plan: true } });
  const shape = run ? await findRunShape(engine.db, runId) : null;
  if (shape?.mode === "legacy") return `/connect/${encodeURIComponent(connection.id)}/legacy`;
  if (run && shape) {
    const options = await findRunOptions(engine.db, runId);
    const plannedUrl = (run.plan as { environment?: { url?: string } | null } | null)?.environment?.url;
    const rechecked = await startPlan(who, {
      environment: plannedUrl ?? options?.environment,
      role: shape.role,
      secret: options?.secret,
      kind: shape.kind === "migrate" ? "migrate" : "connect",
    });
    if (!rechecked.ok) return `${planPath}?recheck=${rechecked.error.code}`;
  }
  return planPath;
}
