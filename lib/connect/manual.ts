import "server-only";
import type { AuditActor } from "../domain/audit/record-audit-event";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { getDb } from "../core/db";
import { getEnv } from "../core/env";
import type { ManualConnectionInput } from "../manual-connection/manual-connection-schema";
import { saveManualConnection } from "../manual-connection/save-manual-connection";
import { verifyManualConnection, type ManualProblem } from "../manual-connection/verify-manual-connection";
import { identityConfigFromEnv } from "../microsoft/identity-config";

// The manual page prints the least-privilege role for the admin to create by hand: the same name and privileges the
// portal creates itself, so the manual path and the portal's own setup can never disagree.
export { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../provisioning/least-privilege-role";

/** The manual path's server side: prove with the configured Microsoft endpoints, then save (or say what is wrong). */
export async function proveAndSaveManualConnection(input: {
  accountId: string;
  connectionId: string;
  values: ManualConnectionInput;
  actor: AuditActor;
}): Promise<{ ok: true } | { ok: false; problem: ManualProblem }> {
  const env = getEnv();
  const db = getDb();
  const verified = await verifyManualConnection(input.values, { config: identityConfigFromEnv(), allowedDynamicsHosts: env.DYNAMICS_ALLOWED_HOSTS });
  if (!verified.ok) {
    await recordAuditEvent(db, {
      actor: input.actor,
      action: "connection.manual_refused",
      accountId: input.accountId,
      connectionId: input.connectionId,
      outcome: "failure",
      detail: { part: verified.problem.part, code: verified.problem.code },
    });
    return { ok: false, problem: verified.problem };
  }
  if (!env.PORTAL_ENCRYPTION_KEYS) throw new Error("PORTAL_ENCRYPTION_KEYS is not set: the client secret cannot be stored");
  const saved = await saveManualConnection(db, {
    accountId: input.accountId,
    connectionId: input.connectionId,
    values: input.values,
    proof: verified.proof,
    actor: input.actor,
    keys: env.PORTAL_ENCRYPTION_KEYS,
  });
  if (!saved.ok)
    return { ok: false, problem: { part: "network", field: null, code: saved.error.code, title: "Not saved", fix: saved.error.userMessage } };
  return { ok: true };
}
