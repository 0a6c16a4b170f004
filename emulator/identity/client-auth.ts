/**
 * Client authentication at the token endpoint. Confidential clients prove themselves with a secret (form body or
 * HTTP Basic, RFC 6749 §2.3.1) or a certificate-signed client assertion (RFC 7523, client-assertion.ts); public
 * clients (flows an app allows through "Allow public client flows", or mobile/desktop/SPA redirect URIs) must send
 * neither. Secrets are compared as SHA-256 digests.
 */
import type { EmuRequest } from "../core/http";
import type { Application } from "../core/state";
import { isStillReplicating } from "../core/store";
import { sha256Hex } from "../scenarios/default";
import { verifyClientAssertion, type ClientAssertion } from "./client-assertion";
import { AADSTS } from "./errors";
import { sandboxNow } from "../core/clock";

/** What the client sent to prove itself, and the audiences an assertion may name (the token endpoint it was sent to). */
export type ClientCredentials = { clientId: string | null; secret: string | null; assertion: ClientAssertion | null; audiences: string[] };

export function readClientCredentials(req: EmuRequest, form: Record<string, string>, audiences: string[]): ClientCredentials {
  let clientId = form.client_id || null;
  let secret = form.client_secret || null;
  const auth = req.headers.authorization;
  const basic = auth ? /^Basic\s+(\S+)$/i.exec(auth) : null;
  if (basic) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      clientId ??= decodeURIComponent(decoded.slice(0, colon));
      secret ??= decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  const assertion = form.client_assertion ? { type: form.client_assertion_type || null, jwt: form.client_assertion } : null;
  return { clientId, secret, assertion, audiences };
}

/**
 * Returns true when a secret or an assertion authenticated the client, false for an allowed public client; throws
 * the AADSTS error Entra gives otherwise.
 */
export async function authenticateClient(
  app: Application,
  credentials: ClientCredentials,
  opts: { publicAllowed: boolean; publicOnly?: boolean },
): Promise<boolean> {
  const { secret, assertion } = credentials;
  if (!secret && !assertion) {
    if (opts.publicAllowed) return false;
    throw AADSTS.secretRequired();
  }
  const isPublicApp = app.isFallbackPublicClient === true && app.passwordCredentials.length === 0 && (app.keyCredentials ?? []).length === 0;
  if (opts.publicOnly || isPublicApp) throw AADSTS.publicClientSentSecret();
  if (secret && assertion) throw AADSTS.twoClientCredentials();
  if (assertion) {
    await verifyClientAssertion(app, assertion, credentials.audiences);
    return true;
  }
  const digest = sha256Hex(secret!);
  const credential = app.passwordCredentials.find((c) => c.secretSha256 === digest);
  // A secret added moments ago is not yet known to every STS replica (contract §2.4).
  if (!credential || isStillReplicating(credential.startDateTime) || Date.parse(credential.startDateTime) > sandboxNow()) {
    throw AADSTS.invalidSecret(app.appId);
  }
  if (Date.parse(credential.endDateTime) <= sandboxNow()) throw AADSTS.expiredSecret(app.appId, credential.keyId);
  return true;
}
