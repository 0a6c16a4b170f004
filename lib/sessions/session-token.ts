/**
 * Opaque secrets the browser holds (the session cookie) or carries through Microsoft (sign-in state), and the
 * SHA-256 the database keeps instead. A leaked database row therefore cannot be replayed as a cookie.
 */
import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, base64url. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
