import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { getDb } from "../core/db";
import type { AppErrorCode } from "../core/errors";
import { getEnv } from "../core/env";
import type { ManualConnectionInput } from "../manual-connection/manual-connection-schema";
import { saveManualConnection } from "../manual-connection/save-manual-connection";
import { verifyManualConnection, type ManualProblem } from "../manual-connection/verify-manual-connection";
import { identityConfigFromEnv } from "../microsoft/identity-config";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";

// The manual page prints the least-privilege role for the admin to create by hand: the same name and privileges the
// portal creates itself, so the manual path and the portal's own setup can never disagree.
export { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../provisioning/least-privilege-role";
export { missingTablesNote } from "../manual-connection/verify-manual-connection";

const ON_PREMISES_FIRST =
  "This connection signs in to your on-premises Dynamics 365 server. Disconnect it first, then enter the cloud setup you made by hand.";
const ANOTHER_TENANT =
  "These credentials belong to another Microsoft organization than this connection's. To connect another organization, disconnect this connection first.";

/**
 * The manual path's server side: prove with the configured Microsoft endpoints, then save (or say what is wrong).
 * `authorize` already asked for the person's own sign-in in the connection's tenant when it has one; here the pasted
 * credentials must also prove that same tenant, and a working on-premises connection is never replaced in passing:
 * a hand-made setup repoints a connection only where its owner could have made the change themselves.
 */
export async function proveAndSaveManualConnection(
  { session, connection }: Pick<Authorized, "session" | "connection">,
  values: ManualConnectionInput,
): Promise<{ ok: true; tablesMissing: string[] } | { ok: false; problem: ManualProblem }> {
  const env = getEnv();
  const db = getDb();
  const actor = adminActor(session);
  const refuse = async (code: AppErrorCode, title: string, fix: string, part: ManualProblem["part"] = "network") => {
    await recordAuditEvent(db, {
      actor,
      action: "connection.manual_refused",
      accountId: session.accountId,
      connectionId: connection.id,
      outcome: "failure",
      detail: { part, code },
    });
    return { ok: false as const, problem: { part, field: null, code, title, fix } };
  };
  if (connection.authMode === "onprem" && connection.status === "active") return refuse("conflict", "Not saved", ON_PREMISES_FIRST);
  const verified = await verifyManualConnection(values, { config: identityConfigFromEnv(), allowedDynamicsHosts: env.DYNAMICS_ALLOWED_HOSTS });
  if (!verified.ok) {
    await refuse(verified.problem.code, verified.problem.title, verified.problem.fix, verified.problem.part);
    return verified;
  }
  if (connection.tenantId && verified.proof.tenantId.toLowerCase() !== connection.tenantId.toLowerCase())
    return refuse("forbidden", "Another organization's credentials", ANOTHER_TENANT);
  if (!env.PORTAL_ENCRYPTION_KEYS) throw new Error("PORTAL_ENCRYPTION_KEYS is not set: the client secret cannot be stored");
  const saved = await saveManualConnection(db, {
    accountId: session.accountId,
    connectionId: connection.id,
    values,
    proof: verified.proof,
    actor,
    keys: env.PORTAL_ENCRYPTION_KEYS,
  });
  if (!saved.ok)
    return { ok: false, problem: { part: "network", field: null, code: saved.error.code, title: "Not saved", fix: saved.error.userMessage } };
  return { ok: true, tablesMissing: verified.proof.tablesMissing };
}
