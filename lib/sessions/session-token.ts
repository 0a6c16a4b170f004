/**
 * Opaque secrets the browser holds (the session cookie) or carries through Microsoft (sign-in state), and the
 * SHA-256 the database keeps instead. A leaked database row therefore cannot be replayed as a cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256 random bits, base64url. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time comparison of a presented token with a stored hash. */
export function matchesHash(token: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashToken(token), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
