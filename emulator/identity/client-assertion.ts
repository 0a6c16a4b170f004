/**
 * `private_key_jwt` client authentication: a JWT signed with the private key of a certificate uploaded to the app
 * (Microsoft's "certificate credentials" page). The header's `x5t#S256` (or the legacy SHA-1 `x5t`) names the key;
 * RS256 and PS256 signatures are accepted; `aud` is the tenant's v2.0 token endpoint, `iss` and `sub` the client id.
 */
import { compactVerify, decodeProtectedHeader, errors as joseErrors } from "jose";
import type { Application, KeyCredential } from "../core/state";
import { isStillReplicating } from "../core/store";
import { certificateOf, isKeyCurrent } from "../graph/key-credentials";
import { AADSTS, JWT_BEARER_ASSERTION_TYPE } from "./errors";
import { sandboxDate } from "../core/clock";

const ALGORITHMS = ["RS256", "PS256"];
/** Tolerated clock difference between client and STS (Entra's is not documented; five minutes is the usual default). */
const CLOCK_SKEW_SECONDS = 300;

export type ClientAssertion = { type: string | null; jwt: string };

type Claims = { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown; nbf?: unknown };

function decodeParts(jwt: string): { header: Record<string, unknown>; claims: Claims } {
  try {
    const header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    const payload = jwt.split(".")[1];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    if (claims === null || typeof claims !== "object" || Array.isArray(claims)) throw new Error("claims");
    return { header, claims: claims as Claims };
  } catch {
    throw AADSTS.malformedJwt();
  }
}

/** The key the header names, with the thumbprint the client sent (hex, as Entra quotes it back). */
function selectKey(app: Application, header: Record<string, unknown>): { key: KeyCredential | undefined; thumbprintHex: string } {
  const s256 = typeof header["x5t#S256"] === "string" ? header["x5t#S256"] : null;
  const sha1 = typeof header.x5t === "string" ? header.x5t : null;
  const sent = s256 ?? sha1;
  if (!sent) throw AADSTS.malformedJwt();
  const thumbprintHex = Buffer.from(sent, "base64url").toString("hex").toUpperCase();
  const key = (app.keyCredentials ?? []).find((k) => {
    const c = certificateOf(k);
    return s256 ? c.x5tS256 === s256 : c.x5t === sha1;
  });
  return { key, thumbprintHex };
}

/** Throws Entra's AADSTS failure unless the assertion authenticates `app` at one of `audiences`. */
export async function verifyClientAssertion(
  app: Application,
  assertion: ClientAssertion,
  audiences: string[],
  now: Date = sandboxDate(),
): Promise<void> {
  if (!assertion.type) throw AADSTS.missingParameter("client_assertion_type");
  if (assertion.type !== JWT_BEARER_ASSERTION_TYPE) throw AADSTS.unsupportedAssertionType(assertion.type);
  const { header, claims } = decodeParts(assertion.jwt);
  if (claims.iss !== app.appId || claims.sub !== app.appId) throw AADSTS.assertionClientMismatch();
  const { key, thumbprintHex } = selectKey(app, header);
  // A key uploaded moments ago is not yet known to every STS replica, as with secrets (contract §2.4).
  if (!key || (key.addedDateTime && isStillReplicating(key.addedDateTime, now))) throw AADSTS.assertionKeyNotFound(thumbprintHex, app.appId);
  if (!isKeyCurrent(key, now.getTime())) throw AADSTS.assertionKeyExpired(thumbprintHex, key.startDateTime, key.endDateTime);
  try {
    await compactVerify(assertion.jwt, certificateOf(key).certificate.publicKey, { algorithms: ALGORITHMS });
  } catch (error) {
    if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw AADSTS.assertionBadSignature(thumbprintHex, key.startDateTime, key.endDateTime);
    }
    throw AADSTS.malformedJwt();
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === "string" && audiences.includes(a))) throw AADSTS.assertionAudience();
  if (typeof claims.exp !== "number" || (claims.nbf !== undefined && typeof claims.nbf !== "number")) throw AADSTS.malformedJwt();
  const seconds = Math.floor(now.getTime() / 1000);
  const nbf = typeof claims.nbf === "number" ? claims.nbf : null;
  if (seconds >= claims.exp + CLOCK_SKEW_SECONDS || (nbf !== null && seconds < nbf - CLOCK_SKEW_SECONDS)) {
    throw AADSTS.assertionOutsideValidity(now, nbf, claims.exp);
  }
}
