import "server-only";
import type { Tx } from "../connection/commands";
import type { Db } from "../../db";

/**
 * The engine's writes to `Secret`, each taking the transaction that proved the run's lease (store.inLeasedTransaction),
 * so a runner that lost its run changes nothing. Reads take the client or the transaction.
 */

const WIPED = { ciphertext: "", iv: "", authTag: "" };

export type LiveSecret = {
  id: string;
  kind: "clientSecret" | "password";
  status: "pending" | "active";
  microsoftKeyId: string | null;
  applicationObjectId: string | null;
  tenantId: string | null;
  createdAt: Date;
  expiresAt: Date | null;
};

/** The connection's credentials that may still work (pending or active), oldest first. */
export async function findLiveSecrets(db: Pick<Db, "secret"> | Tx, connectionId: string): Promise<LiveSecret[]> {
  const rows = await db.secret.findMany({
    where: { connectionId, kind: { in: ["clientSecret", "password"] }, status: { in: ["pending", "active"] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, kind: true, status: true, microsoftKeyId: true, applicationObjectId: true, tenantId: true, createdAt: true, expiresAt: true },
  });
  return rows as LiveSecret[];
}

/** Makes a proven credential the connection's live one. @returns false when it is no longer pending or active */
export async function activateSecret(tx: Tx, input: { secretId: string }): Promise<boolean> {
  const { count } = await tx.secret.updateMany({ where: { id: input.secretId, status: { in: ["pending", "active"] } }, data: { status: "active" } });
  return count === 1;
}

/** Forgets a credential: revoked, and its ciphertext wiped. */
export async function revokeSecret(tx: Tx, input: { secretId: string; at: Date }): Promise<void> {
  await tx.secret.updateMany({ where: { id: input.secretId }, data: { status: "revoked", revokedAt: input.at, ...WIPED } });
}

/**
 * Forgets the passwords a run was given but never proved (pending): a cancelled run will not use them, and nobody
 * should keep a person's password longer than the run that needed it. The live (active) password is untouched.
 */
export async function forgetPendingPasswords(tx: Tx, input: { connectionId: string; at: Date }): Promise<number> {
  const { count } = await tx.secret.updateMany({
    where: { connectionId: input.connectionId, kind: "password", status: "pending" },
    data: { status: "revoked", revokedAt: input.at, ...WIPED },
  });
  return count;
}

/**
 * Forgets the admin's stored Microsoft sign-in for a connection (revoked, ciphertext wiped): the engine calls it in
 * the lease-checked commit that finishes a run, so only the runner that really finished it can.
 */
export async function revokeAdminSession(tx: Tx, input: { connectionId: string; at: Date }): Promise<void> {
  await tx.secret.updateMany({
    where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
    data: { status: "revoked", revokedAt: input.at, ...WIPED },
  });
}
