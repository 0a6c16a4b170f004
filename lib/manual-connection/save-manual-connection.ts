import "server-only";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import type { Db } from "../db";
import { appError, fail, ok, type Result } from "../errors";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { storeSecret } from "../domain/secret/store-secret";
import type { ManualConnectionInput } from "./manual-connection-schema";
import type { ManualProof } from "./verify-manual-connection";

/**
 * Records a proven hand-made connection: the secret stored encrypted (it was just proven, so it is active), the
 * connection Active in cloud mode with the tenant, app and application user the proof saw, and any credential it
 * replaces forgotten. The portal created nothing at Microsoft, so it removes nothing there.
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
    where: { connectionId: connection.id, status: { notIn: ["succeeded", "failed", "cancelled"] } },
    select: { id: true },
  });
  if (active) return fail(appError("conflict", "A setup run is in progress for this connection. Cancel it before entering a hand-made setup."));
  const stored = await storeSecret(db, {
    connectionId: connection.id,
    kind: "clientSecret",
    plaintext: input.values.clientSecret,
    keys: input.keys,
    status: "active",
    hint: input.values.clientSecret.slice(0, 3),
  });
  const replaced = await db.secret.updateMany({
    where: { connectionId: connection.id, kind: { in: ["clientSecret", "password"] }, status: { in: ["active", "pending"] }, id: { not: stored.id } },
    data: { status: "revoked", revokedAt: now, ciphertext: "", iv: "", authTag: "" },
  });
  await db.connection.update({
    where: { id: connection.id },
    data: {
      authMode: "cloud",
      status: "active",
      environmentUrl: input.proof.environmentUrl,
      tenantId: input.proof.tenantId,
      clientId: input.values.clientId.toLowerCase(),
      applicationUserId: input.proof.whoAmI.userId,
      integrationUsername: null,
      lastVerifiedAt: now,
      lastErrorCode: null,
      lastErrorMessage: null,
      disconnectedAt: null,
    },
  });
  await recordAuditEvent(db, {
    actor: input.actor,
    action: "connection.manual_verified",
    accountId: input.accountId,
    connectionId: connection.id,
    outcome: "success",
    detail: { tenantId: input.proof.tenantId, clientId: input.values.clientId, tablesRead: input.proof.tablesRead, replacedSecrets: replaced.count },
  });
  return ok({ connectionId: connection.id });
}
