import "server-only";
import type { Db } from "../db";
import { hasAdminSessionChanged, restoreAdminSession, serializeAdminSession, type AdminSession, type IdentityConfig } from "../microsoft/identity";
import { sealSecret, openSecret, type EncryptionKey } from "../secrets/secret-box";
import { secretAad } from "../secrets/store-secret";

/**
 * The admin's delegated sign-in (MSAL token cache with its refresh token) stored encrypted per connection, so a run
 * resumes on any portal instance after a crash. It is a credential: encrypted like a client secret, never logged.
 */

const aad = (secretId: string, connectionId: string) => secretAad(secretId, connectionId, "adminTokenCache");

/** Stores the session as the connection's current admin session, retiring any earlier one. */
export async function saveAdminSession(db: Db, input: { connectionId: string; session: AdminSession; keys: EncryptionKey[] }): Promise<void> {
  const plaintext = serializeAdminSession(input.session);
  await db.$transaction(async (tx) => {
    await tx.secret.updateMany({
      where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
      data: { status: "revoked", revokedAt: new Date(), ciphertext: "", iv: "", authTag: "" },
    });
    const id = crypto.randomUUID();
    await tx.secret.create({
      data: {
        id,
        connectionId: input.connectionId,
        kind: "adminTokenCache",
        status: "active",
        ...sealSecret(plaintext, input.keys, aad(id, input.connectionId)),
      },
    });
  });
}

/** Re-seals the session in place when MSAL refreshed tokens since it was loaded (refresh tokens rotate). */
export async function persistAdminSessionIfChanged(
  db: Db,
  input: { connectionId: string; session: AdminSession; keys: EncryptionKey[] },
): Promise<void> {
  if (!hasAdminSessionChanged(input.session)) return;
  const row = await db.secret.findFirst({
    where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
    orderBy: { createdAt: "desc" },
  });
  if (!row) return saveAdminSession(db, input);
  const sealed = sealSecret(serializeAdminSession(input.session), input.keys, aad(row.id, input.connectionId));
  await db.secret.update({ where: { id: row.id }, data: sealed });
}

/** Loads the connection's admin session, or null when there is none (or it can no longer be read). */
export async function loadAdminSession(
  db: Db,
  input: { connectionId: string; keys: EncryptionKey[]; config: IdentityConfig },
): Promise<AdminSession | null> {
  const row = await db.secret.findFirst({
    where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
    orderBy: { createdAt: "desc" },
  });
  if (!row) return null;
  const opened = openSecret(row, input.keys, aad(row.id, input.connectionId));
  if (!opened.ok) return null;
  return restoreAdminSession(opened.value, { config: input.config });
}

/** Forgets the admin's sign-in (after a run finishes, or on disconnect). */
export async function forgetAdminSession(db: Db, connectionId: string): Promise<void> {
  await db.secret.updateMany({
    where: { connectionId, kind: "adminTokenCache", status: "active" },
    data: { status: "revoked", revokedAt: new Date(), ciphertext: "", iv: "", authTag: "" },
  });
}
