import "server-only";
import { findRunOptions } from "../domain/run/run-store";
import { repinHandoffLink } from "../handoff/handoff-links";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";
import { getPortalEngine } from "./engine";
import { journeyPath } from "./journey-page";
import { findRunShape } from "./legacy";
import { startPlan } from "./start-plan";

/**
 * Computes the plan again for the same environment (after the admin fixed a blocker) and answers where the journey
 * goes next. The environment, role and kind are the plan's own, never the form's: a colleague's hand-off cannot move
 * the connection. A move to OAuth stays a move; a legacy plan needs its password again (its own form). A colleague's
 * hand-off session re-checks only its pinned plan, and its link then follows the new run.
 */
export async function recheckPlan(who: Authorized, runId: string | null): Promise<string> {
  const { connection } = who;
  const planPath = journeyPath(connection.id, "plan");
  if (runId === null) return planPath;
  const engine = getPortalEngine();
  // A colleague re-checks only the plan their link was made for, with its kind, role and environment.
  const refused = await checkHandoffStanding(engine.db, who.session, { connectionId: connection.id, action: "recheckPlan", request: { runId } });
  if (refused) return `${planPath}?recheck=${refused.code}`;
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
    // The colleague's own plan replaces the pinned one: their session follows it (and only it).
    const { handoff } = who.session;
    if (who.session.intent === "handoff" && handoff) {
      await repinHandoffLink(engine.db, {
        linkId: handoff.linkId,
        connectionId: connection.id,
        fromRunId: runId,
        toRunId: rechecked.value.runId,
        actor: adminActor(who.session),
      });
    }
  }
  return planPath;
}
