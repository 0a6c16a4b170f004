import "server-only";
import { randomUUID } from "node:crypto";
import { importPKCS8, SignJWT } from "jose";
import { certificateThumbprints } from "./certificate-credential";

/**
 * The signed JWTs an app proves itself with when its credential is a certificate (Microsoft's "certificate
 * credentials" and Graph's "addKey" pages). Pure apart from signing: the caller passes the clock.
 */

/** Microsoft documents "5-10 minutes after nbf at most" for a client assertion; five leaves room for clock skew. */
const CLIENT_ASSERTION_LIFETIME_SECONDS = 5 * 60;
/** Graph refuses a proof whose `exp` is more than ten minutes after its `nbf`. */
const PROOF_LIFETIME_SECONDS = 10 * 60;
/** `aud` of a proof of possession: the app id of the directory (Azure AD Graph), as Graph's addKey docs require. */
export const PROOF_OF_POSSESSION_AUDIENCE = "00000002-0000-0000-c000-000000000000";

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** The certificate that signs (its private key) and is named in the header (its DER thumbprint), and the clock. */
type Signing = { privateKeyPem: string; certificateDer: Buffer; now: Date };

/**
 * `client_assertion` for `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`: PS256 with
 * the certificate's SHA-256 thumbprint in `x5t#S256`; `aud` the tenant's v2.0 token endpoint; `iss` = `sub` = the
 * client id; a fresh `jti`.
 */
export async function buildClientAssertion(opts: Signing & { clientId: string; tokenEndpoint: string }): Promise<string> {
  const key = await importPKCS8(opts.privateKeyPem, "PS256");
  const nbf = seconds(opts.now);
  return new SignJWT({})
    .setProtectedHeader({ alg: "PS256", typ: "JWT", "x5t#S256": certificateThumbprints(opts.certificateDer).x5tS256 })
    .setAudience(opts.tokenEndpoint)
    .setIssuer(opts.clientId)
    .setSubject(opts.clientId)
    .setJti(randomUUID())
    .setNotBefore(nbf)
    .setIssuedAt(nbf)
    .setExpirationTime(nbf + CLIENT_ASSERTION_LIFETIME_SECONDS)
    .sign(key);
}

/**
 * `proof` for Graph's addKey/removeKey: signed by one of the app's current certificates, `iss` the application's
 * object id (not its client id), `exp` exactly ten minutes after `nbf`.
 */
export async function buildProofOfPossession(opts: Signing & { applicationObjectId: string }): Promise<string> {
  const key = await importPKCS8(opts.privateKeyPem, "RS256");
  const nbf = seconds(opts.now);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT", x5t: certificateThumbprints(opts.certificateDer).x5t })
    .setAudience(PROOF_OF_POSSESSION_AUDIENCE)
    .setIssuer(opts.applicationObjectId)
    .setNotBefore(nbf)
    .setExpirationTime(nbf + PROOF_LIFETIME_SECONDS)
    .sign(key);
}
