import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "../../core/db";
import { openSecret, sealSecret, type EncryptionKey } from "./secret-box";
import type { Result } from "../../core/errors";

export type SecretKind = "clientSecret" | "password" | "adminTokenCache" | "certificateKey";

/** Binds a ciphertext to its row and owner: moving it to another secret or connection makes it unreadable. */
export function secretAad(secretId: string, connectionId: string, kind: SecretKind): string {
  return `portal-secret:v1:${secretId}:${connectionId}:${kind}`;
}

export type StoreSecretOptions = {
  connectionId: string;
  kind: SecretKind;
  plaintext: string;
  keys: EncryptionKey[];
  status?: "pending" | "active";
  microsoftKeyId?: string | null;
  /** Client secrets: the application (object id) and tenant the key was added to, so its removal can be proven. */
  applicationObjectId?: string | null;
  tenantId?: string | null;
  hint?: string | null;
  expiresAt?: Date | null;
};

/**
 * Encrypts and stores a credential; returns only its id (the plaintext never leaves this call). Takes the engine's
 * lease-checked transaction (or the client, outside a run).
 */
export async function storeSecret(db: Pick<Db, "secret">, options: StoreSecretOptions): Promise<{ id: string }> {
  const id = randomUUID();
  const sealed = sealSecret(options.plaintext, options.keys, secretAad(id, options.connectionId, options.kind));
  await db.secret.create({
    data: {
      id,
      connectionId: options.connectionId,
      kind: options.kind,
      status: options.status ?? "pending",
      ...sealed,
      microsoftKeyId: options.microsoftKeyId ?? null,
      applicationObjectId: options.applicationObjectId ?? null,
      tenantId: options.tenantId ?? null,
      hint: options.hint ?? null,
      expiresAt: options.expiresAt ?? null,
    },
    select: { id: true },
  });
  return { id };
}

/** Decrypts a stored credential for immediate use (a token request); callers must not log or persist the value. */
export async function readSecret(db: Pick<Db, "secret">, options: { secretId: string; keys: EncryptionKey[] }): Promise<Result<string> | null> {
  const row = await db.secret.findUnique({ where: { id: options.secretId } });
  if (!row) return null;
  return openSecret(row, options.keys, secretAad(row.id, row.connectionId, row.kind));
}

/** The connection's live credential of one kind, decrypted, or why there is none to use. */
export type ActiveSecret =
  | { status: "none" }
  /** Stored, but the portal's keys cannot open it (rotated away, or tampered with). */
  | { status: "unreadable"; id: string; expiresAt: Date | null }
  | { status: "open"; id: string; value: string; expiresAt: Date | null; microsoftKeyId: string | null };

/**
 * The newest active secret of `kind` for a connection, decrypted for immediate use (a token request, a hand-out to
 * Act-On's connector); callers must not log or persist the value.
 */
export async function readActiveSecret(
  db: Pick<Db, "secret">,
  options: { connectionId: string; kind: SecretKind; keys: EncryptionKey[] },
): Promise<ActiveSecret> {
  const row = await db.secret.findFirst({
    where: { connectionId: options.connectionId, kind: options.kind, status: "active" },
    orderBy: { createdAt: "desc" },
  });
  if (!row) return { status: "none" };
  const opened = openSecret(row, options.keys, secretAad(row.id, row.connectionId, row.kind));
  if (!opened.ok) return { status: "unreadable", id: row.id, expiresAt: row.expiresAt };
  return { status: "open", id: row.id, value: opened.value, expiresAt: row.expiresAt, microsoftKeyId: row.microsoftKeyId };
}
