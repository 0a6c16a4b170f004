import "server-only";
import { X509Certificate } from "node:crypto";
import type { Db } from "../../core/db";
import type { AppCredential } from "../../microsoft/app-tokens";
import type { EncryptionKey } from "./secret-box";
import { readActiveSecret, type ActiveSecret } from "./store-secret";
import type { StoredCredentialMode } from "./credential-mode";

/**
 * The one place that decides what a cloud connection's app signs in with: which stored secret holds the credential
 * of a mode, and how it becomes a token credential (a client secret, or a certificate that signs client assertions).
 */

/** The Secret row kind that holds a mode's credential. */
export function credentialSecretKind(mode: StoredCredentialMode): "certificateKey" | "clientSecret" {
  return mode === "certificate" ? "certificateKey" : "clientSecret";
}

/** What a `certificateKey` secret holds: the PKCS#8 private key and its certificate (public, kept beside it). */
export function certificateKeyPlaintext(c: { privateKeyPem: string; certificatePem: string }): string {
  return JSON.stringify({ privateKeyPem: c.privateKeyPem, certificatePem: c.certificatePem });
}

/** The token credential a stored secret of `kind` makes; throws on a `certificateKey` that is not what we wrote. */
export function appCredentialOf(kind: "certificateKey" | "clientSecret", plaintext: string): AppCredential {
  if (kind === "clientSecret") return { clientSecret: plaintext };
  const parsed = JSON.parse(plaintext) as { privateKeyPem?: unknown; certificatePem?: unknown };
  if (typeof parsed.privateKeyPem !== "string" || typeof parsed.certificatePem !== "string") {
    throw new Error("a stored certificate key is missing its private key or certificate");
  }
  return { certificate: { privateKeyPem: parsed.privateKeyPem, certificateDer: new X509Certificate(parsed.certificatePem).raw } };
}

export type ActiveAppCredential =
  Exclude<ActiveSecret, { status: "open" }> | (Omit<Extract<ActiveSecret, { status: "open" }>, "value"> & { credential: AppCredential });

/** The connection's live app credential for its mode, ready for a token request; never logged or persisted. */
export async function readActiveAppCredential(
  db: Pick<Db, "secret">,
  options: { connectionId: string; mode: StoredCredentialMode; keys: EncryptionKey[] },
): Promise<ActiveAppCredential> {
  const kind = credentialSecretKind(options.mode);
  const secret = await readActiveSecret(db, { connectionId: options.connectionId, kind, keys: options.keys });
  if (secret.status !== "open") return secret;
  const { value, ...rest } = secret;
  return { ...rest, credential: appCredentialOf(kind, value) };
}
