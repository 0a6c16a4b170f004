import "server-only";
import type { Tx } from "../../core/db";
import type { Db } from "../../core/db";
import type { SealedSecret } from "./secret-box";

/**
 * The writes to `Secret` (with store-secret.ts and rekey-secrets.ts, the only ones). The engine's take the transaction
 * that proved the run's lease (run-store.inLeasedTransaction), so a runner that lost its run changes nothing. Reads
 * take the client or the transaction.
 */

/** A forgotten credential keeps its row (for the audit trail) but not its ciphertext. */
const WIPED = { ciphertext: "", iv: "", authTag: "" };

type Writer = Tx | Db;

export type LiveSecret = {
  id: string;
  kind: "clientSecret" | "password" | "certificateKey";
  status: "pending" | "active";
  microsoftKeyId: string | null;
  applicationObjectId: string | null;
  tenantId: string | null;
  hint: string | null;
  createdAt: Date;
  expiresAt: Date | null;
};

/** The connection's credentials that may still work (pending or active), oldest first. */
export async function findLiveSecrets(db: Pick<Db, "secret"> | Tx, connectionId: string): Promise<LiveSecret[]> {
  const rows = await db.secret.findMany({
    where: { connectionId, kind: { in: ["clientSecret", "password", "certificateKey"] }, status: { in: ["pending", "active"] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: {
      id: true,
      kind: true,
      status: true,
      microsoftKeyId: true,
      applicationObjectId: true,
      tenantId: true,
      hint: true,
      createdAt: true,
      expiresAt: true,
    },
  });
  return rows as LiveSecret[];
}

/** Makes a proven credential the connection's live one. @returns false when it is no longer pending or active */
export async function activateSecret(tx: Tx, input: { secretId: string }): Promise<boolean> {
  const { count } = await tx.secret.updateMany({ where: { id: input.secretId, status: { in: ["pending", "active"] } }, data: { status: "active" } });
  return count === 1;
}

/**
 * Records the keyId Microsoft gave a certificate the portal added without learning it (a rotation's addKey answer was
 * lost; a repair found it by its thumbprint), on the secret and on the rotation that added it, so the next rotation can
 * remove it. Never overwrites a keyId already recorded.
 */
export async function recordCertificateKeyId(tx: Tx, input: { secretId: string; keyId: string }): Promise<void> {
  await tx.secret.updateMany({ where: { id: input.secretId, kind: "certificateKey", microsoftKeyId: null }, data: { microsoftKeyId: input.keyId } });
  await tx.credentialRotation.updateMany({ where: { newSecretId: input.secretId, newKeyId: null }, data: { newKeyId: input.keyId } });
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
 * Forgets every credential of the connection but `keepSecretId` (a hand-made setup replaced them). Returns how many.
 */
export async function revokeCredentialsExcept(tx: Writer, input: { connectionId: string; keepSecretId: string; at: Date }): Promise<number> {
  const { count } = await tx.secret.updateMany({
    where: {
      connectionId: input.connectionId,
      kind: { in: ["clientSecret", "password", "certificateKey"] },
      status: { in: ["active", "pending"] },
      id: { not: input.keepSecretId },
    },
    data: { status: "revoked", revokedAt: input.at, ...WIPED },
  });
  return count;
}

/**
 * Forgets the admin's stored Microsoft sign-in for a connection (revoked, ciphertext wiped): when its run finishes
 * (in the engine's lease-checked commit, so only the runner that really finished it can), on cancel, on sign-out.
 */
export async function revokeAdminSignIn(tx: Writer, input: { connectionId: string; at: Date }): Promise<void> {
  await tx.secret.updateMany({
    where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
    data: { status: "revoked", revokedAt: input.at, ...WIPED },
  });
}

/** Forgets the live admin sign-ins of the given connections (support revoked the customer's access). Returns how many. */
export async function revokeAdminSignInsOf(db: Writer, input: { connectionIds: string[]; at: Date }): Promise<number> {
  if (input.connectionIds.length === 0) return 0;
  const { count } = await db.secret.updateMany({
    where: { connectionId: { in: input.connectionIds }, kind: "adminTokenCache", status: "active" },
    data: { status: "revoked", revokedAt: input.at, ...WIPED },
  });
  return count;
}

/** Stores a sealed admin sign-in as the connection's current one, retiring any earlier one, in one transaction. */
export async function replaceAdminSignIn(
  db: Db,
  input: { connectionId: string; id: string; sealed: SealedSecret; expiresAt: Date; at: Date },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await revokeAdminSignIn(tx, { connectionId: input.connectionId, at: input.at });
    await tx.secret.create({
      data: {
        id: input.id,
        connectionId: input.connectionId,
        kind: "adminTokenCache",
        status: "active",
        expiresAt: input.expiresAt,
        ...input.sealed,
      },
    });
  });
}

/** Re-seals a live secret in place (MSAL rotated the refresh token); a secret revoked meanwhile stays revoked. */
export async function resealSecret(tx: Writer, input: { secretId: string; sealed: SealedSecret }): Promise<void> {
  await tx.secret.updateMany({ where: { id: input.secretId, status: "active" }, data: input.sealed });
}

/** Forgets the admin sign-ins past their expiry, and those of the given connections. Returns how many. */
export async function expireAdminSignIns(db: Writer, input: { now: Date; connectionIds: string[] }): Promise<number> {
  const { count } = await db.secret.updateMany({
    where: {
      kind: "adminTokenCache",
      status: "active",
      OR: [{ expiresAt: { lte: input.now } }, { connectionId: { in: input.connectionIds } }],
    },
    data: { status: "revoked", revokedAt: input.now, ...WIPED },
  });
  return count;
}
