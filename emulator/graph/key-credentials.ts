/**
 * Certificate credentials on applications (`keyCredentials`), as Graph reads them: the uploaded `key` is a base64
 * DER X.509 certificate, the dates default to the certificate's validity, and `customKeyIdentifier` shows its SHA-1
 * thumbprint. Graph returns `key` only when a single application is read with `$select=keyCredentials`.
 */
import { createHash, X509Certificate } from "node:crypto";
import type { KeyCredential } from "../core/state";
import { newGuid, unconfirmed } from "../core/store";
import { sandboxNow, sandboxDate } from "../core/clock";

type Body = Record<string, unknown>;

export type CredentialProblem = { code: string; message: string };

/** The certificate's public key and its two thumbprints (base64url, as JWT headers `x5t` and `x5t#S256` carry them). */
export function certificateOf(credential: KeyCredential): { certificate: X509Certificate; x5t: string; x5tS256: string } {
  const der = Buffer.from(credential.certificateDer, "base64");
  return {
    certificate: new X509Certificate(der),
    x5t: createHash("sha1").update(der).digest("base64url"),
    x5tS256: createHash("sha256").update(der).digest("base64url"),
  };
}

/** True while `now` lies inside the credential's own window (not the certificate's, which Graph lets callers narrow). */
export function isKeyCurrent(credential: KeyCredential, now: number = sandboxNow()): boolean {
  return Date.parse(credential.startDateTime) <= now && now < Date.parse(credential.endDateTime);
}

export function keyCredentialView(k: KeyCredential, withKey: boolean): Record<string, unknown> {
  return {
    customKeyIdentifier: k.customKeyIdentifier,
    displayName: k.displayName,
    endDateTime: k.endDateTime,
    key: withKey ? k.certificateDer : null,
    keyId: k.keyId,
    startDateTime: k.startDateTime,
    type: k.type,
    usage: k.usage,
  };
}

function parseCertificate(key: unknown): X509Certificate | null {
  if (typeof key !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return null;
  try {
    return new X509Certificate(Buffer.from(key, "base64"));
  } catch {
    return null;
  }
}

function parseDate(value: unknown, fallback: Date): Date | null {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const invalid = (message: string): CredentialProblem => ({ code: "Request_BadRequest", message });

/**
 * Reads one `keyCredential` as Graph accepts it for PATCH and addKey. `existing` lets a PATCH keep a credential it
 * names by `keyId` without re-sending its `key` (Graph's GET hides the key, so clients round-trip the metadata).
 */
export function readKeyCredential(input: unknown, existing: KeyCredential[] = []): KeyCredential | CredentialProblem {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return invalid("Invalid value specified for property 'keyCredentials' of resource 'Application'.");
  }
  const body = input as Body;
  const keyId = typeof body.keyId === "string" ? body.keyId.toLowerCase() : null;
  if (keyId && (body.key === undefined || body.key === null)) {
    const kept = existing.find((k) => k.keyId === keyId);
    if (kept) return kept;
  }
  if (body.usage !== "Verify" && body.usage !== "Sign") {
    // Wording observed from Graph (msgraph-sdk-java#1823); the code is not documented.
    return invalid('The value for the property "usage" in one of your credentials is invalid. Acceptable values are Sign, Verify.');
  }
  if (body.type !== "AsymmetricX509Cert" || body.usage !== "Verify") {
    return invalid(unconfirmed("The sandbox models certificate credentials of type 'AsymmetricX509Cert' with usage 'Verify' only."));
  }
  const certificate = parseCertificate(body.key);
  if (!certificate) return invalid(unconfirmed("Key credential 'key' is not a valid base64-encoded X.509 certificate."));
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const start = parseDate(body.startDateTime, notBefore);
  const end = parseDate(body.endDateTime, notAfter);
  // Graph refuses dates outside the certificate's validity ("Key credential end date is invalid", azure-cli#11146).
  if (!start || start < new Date(notBefore.getTime() - 1000)) return invalid(unconfirmed("Key credential start date is invalid."));
  if (!end || end > new Date(notAfter.getTime() + 1000) || end <= start) return invalid("Key credential end date is invalid.");
  const der = certificate.raw;
  return {
    keyId: keyId && /^[0-9a-f-]{36}$/.test(keyId) ? keyId : newGuid(),
    displayName: typeof body.displayName === "string" ? body.displayName : certificate.subject.replace(/\n/g, ", "),
    type: "AsymmetricX509Cert",
    usage: "Verify",
    startDateTime: start.toISOString(),
    endDateTime: end.toISOString(),
    customKeyIdentifier: createHash("sha1").update(der).digest("hex").toUpperCase(),
    certificateDer: der.toString("base64"),
    addedDateTime: sandboxDate().toISOString(),
  };
}

/** PATCH `keyCredentials`: Graph replaces the whole collection, so one bad entry refuses the whole request. */
export function readKeyCredentials(value: unknown, existing: KeyCredential[]): KeyCredential[] | CredentialProblem {
  if (!Array.isArray(value)) return invalid("Invalid value specified for property 'keyCredentials' of resource 'Application'.");
  const result: KeyCredential[] = [];
  for (const entry of value) {
    const read = readKeyCredential(entry, existing);
    if ("code" in read) return read;
    if (result.some((k) => k.keyId === read.keyId)) return invalid(unconfirmed("Two key credentials share one keyId."));
    result.push(read);
  }
  return result;
}
