/**
 * AES-256-GCM sealing of credentials. Pure: keys come in as arguments. The caller binds each ciphertext to its
 * owner through `aad` (e.g. connection id + kind), so a ciphertext copied onto another row fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { appError, fail, ok, type Result } from "../../core/errors";

export type EncryptionKey = { id: string; key: Buffer };

/** GCM's full 128-bit tag. A shorter tag would be accepted by Node unless checked, and weakens authentication. */
const AUTH_TAG_BYTES = 16;
export type SealedSecret = { keyId: string; iv: string; ciphertext: string; authTag: string };

/** Seals with the first (active) key. */
export function sealSecret(plaintext: string, keys: EncryptionKey[], aad: string): SealedSecret {
  const active = keys[0];
  if (!active) throw new Error("sealSecret: no encryption key configured");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", active.key, iv, { authTagLength: AUTH_TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    keyId: active.id,
    iv: iv.toString("base64"),
    ciphertext: ciphertext.toString("base64"),
    authTag: cipher.getAuthTag().toString("base64"),
  };
}

/** Opens with the key the secret names; a missing key or any tampering (ciphertext, tag, iv, aad) is an error value. */
export function openSecret(sealed: SealedSecret, keys: EncryptionKey[], aad: string): Result<string> {
  const key = keys.find((k) => k.id === sealed.keyId);
  if (!key) {
    return fail(
      appError("internal", "A stored credential could not be read. Reconnect to store a new one.", {
        detail: `encryption key "${sealed.keyId}" is not configured`,
      }),
    );
  }
  const tag = Buffer.from(sealed.authTag, "base64");
  if (tag.length !== AUTH_TAG_BYTES) {
    return fail(
      appError("internal", "A stored credential could not be read. Reconnect to store a new one.", {
        detail: `secret failed authentication (auth tag is ${tag.length} bytes, not ${AUTH_TAG_BYTES})`,
      }),
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(sealed.iv, "base64"), { authTagLength: AUTH_TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]);
    return ok(plain.toString("utf8"));
  } catch {
    return fail(
      appError("internal", "A stored credential could not be read. Reconnect to store a new one.", {
        detail: "secret failed authentication (tampered, or bound to another record)",
      }),
    );
  }
}
