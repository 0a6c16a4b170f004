import "server-only";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import type { Result } from "../core/errors";
import { probeConnection, type ProbeReport } from "../health/probe-connection";
import { getPortalEngine } from "../provisioning/run-pool";

export const PROBE_NOW_ACTION = "support.health_probe.run";

/**
 * Support.Admin's "Probe now": one health probe of the connection at once (a token with its stored secret, then
 * WhoAmI; read-only at Microsoft), recorded like a scheduled probe, so the history, the health and Act-On's webhook
 * follow the same rules. Audited with the support person, whether the probe ran or the connection could not be
 * probed (not Active, not cloud); the audit row holds the state and cause, never Microsoft's payload.
 */
export async function probeConnectionNow(input: { connectionId: string; actor: AuditActor }): Promise<Result<ProbeReport>> {
  const { db, config } = getPortalEngine();
  const probed = await probeConnection({ db, config }, { connectionId: input.connectionId });
  // An unknown id has nothing to attach the event to, and says nothing about a customer.
  if (!probed.ok && probed.error.code === "not_found") return probed;
  await recordAuditEvent(db, {
    actor: input.actor,
    action: PROBE_NOW_ACTION,
    connectionId: input.connectionId,
    outcome: probed.ok ? "success" : "failure",
    detail: probed.ok
      ? { state: probed.value.state, cause: probed.value.cause, previousState: probed.value.previousState, changed: probed.value.changed }
      : { refused: probed.error.code },
  });
  return probed;
}
