import "server-only";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { activateManualConnection } from "../domain/connection/commands";
import { UNFINISHED_RUN_STATUSES } from "../domain/run/machine";
import { revokeCredentialsExcept } from "../domain/secret/secret-commands";
import { storeSecret } from "../domain/secret/store-secret";
import type { ManualConnectionInput } from "./manual-connection-schema";
import type { ManualProof } from "./verify-manual-connection";

/**
 * Records a proven hand-made connection: the secret stored encrypted (it was just proven, so it is active), the
 * connection Active in cloud mode with the tenant, app and application user the proof saw (through the connection's
 * one change: webhook and console read model included), and any credential it replaces forgotten. The portal created nothing at Microsoft, so it removes nothing there.
 */
export async function saveManualConnection(
  db: Db,
  input: {
    accountId: string;
    connectionId: string;
    values: ManualConnectionInput;
    proof: ManualProof;
    actor: AuditActor;
    keys: EncryptionKey[];
    now?: Date;
  },
): Promise<Result<{ connectionId: string }>> {
  const now = input.now ?? new Date();
  const connection = await db.connection.findFirst({ where: { id: input.connectionId, accountId: input.accountId }, select: { id: true } });
  if (!connection) return fail(appError("not_found", "That connection does not exist for this account."));
  const active = await db.provisioningRun.findFirst({
    where: { connectionId: connection.id, status: { in: [...UNFINISHED_RUN_STATUSES] } },
    select: { id: true },
  });
  if (active) return fail(appError("conflict", "A setup run is in progress for this connection. Cancel it before entering a hand-made setup."));
  // One transaction: the new secret, the ones it replaces forgotten, and the connection's change (status, console
  // read model, webhook) land together or not at all.
  const replaced = await db.$transaction(async (tx) => {
    const stored = await storeSecret(tx, {
      connectionId: connection.id,
      kind: "clientSecret",
      plaintext: input.values.clientSecret,
      keys: input.keys,
      status: "active",
      hint: input.values.clientSecret.slice(0, 3),
    });
    const count = await revokeCredentialsExcept(tx, { connectionId: connection.id, keepSecretId: stored.id, at: now });
    await activateManualConnection(tx, {
      connectionId: connection.id,
      facts: {
        environmentUrl: input.proof.environmentUrl,
        tenantId: input.proof.tenantId,
        clientId: input.values.clientId.toLowerCase(),
        applicationUserId: input.proof.whoAmI.userId,
      },
      at: now,
    });
    return { count };
  });
  await recordAuditEvent(db, {
    actor: input.actor,
    action: "connection.manual_verified",
    accountId: input.accountId,
    connectionId: connection.id,
    outcome: "success",
    detail: {
      tenantId: input.proof.tenantId,
      clientId: input.values.clientId,
      tablesRead: input.proof.tablesRead,
      tablesMissing: input.proof.tablesMissing,
      replacedSecrets: replaced.count,
    },
  });
  return ok({ connectionId: connection.id });
}
