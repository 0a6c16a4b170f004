import "server-only";
import { randomBytes } from "node:crypto";
import type { Db } from "../core/db";
import { openSecret, sealSecret, type EncryptionKey } from "../domain/secret/secret-box";

/** Rotation overlap: the previous secret keeps signing this long, so receivers can switch without losing a delivery. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

const aad = (secretId: string, endpointId: string) => `webhook-signing-secret:v1:${secretId}:${endpointId}`;

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Stores a new signing secret for the endpoint (encrypted, bound to the endpoint); returns its plaintext once. */
export async function addSigningSecret(
  db: Pick<Db, "webhookSigningSecret">,
  options: { endpointId: string; keys: EncryptionKey[] },
): Promise<{ id: string; secret: string }> {
  const id = randomBytes(12).toString("hex");
  const secret = generateSigningSecret();
  await db.webhookSigningSecret.create({
    data: { id, endpointId: options.endpointId, ...sealSecret(secret, options.keys, aad(id, options.endpointId)) },
  });
  return { id, secret };
}

/** The plaintexts of an endpoint's unexpired secrets, newest first (each one signs every delivery). */
export async function findSigningSecrets(
  db: Pick<Db, "webhookSigningSecret">,
  options: { endpointId: string; keys: EncryptionKey[]; now: Date },
): Promise<string[]> {
  const rows = await db.webhookSigningSecret.findMany({
    where: { endpointId: options.endpointId, OR: [{ expiresAt: null }, { expiresAt: { gt: options.now } }] },
    orderBy: { createdAt: "desc" },
  });
  const secrets: string[] = [];
  for (const row of rows) {
    const opened = openSecret(row, options.keys, aad(row.id, row.endpointId));
    if (opened.ok) secrets.push(opened.value);
  }
  return secrets;
}
