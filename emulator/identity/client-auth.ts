/**
 * Client authentication at the token endpoint. Confidential clients prove themselves with a secret (form body or
 * HTTP Basic, RFC 6749 §2.3.1); public clients (flows an app allows through "Allow public client flows", or
 * mobile/desktop/SPA redirect URIs) must not send one. Secrets are compared as SHA-256 digests.
 */
import type { EmuRequest } from "../core/http";
import type { Application } from "../core/state";
import { isStillReplicating } from "../core/store";
import { sha256Hex } from "../scenarios/default";
import { AADSTS } from "./errors";

export type ClientCredentials = { clientId: string | null; secret: string | null };

export function readClientCredentials(req: EmuRequest, form: Record<string, string>): ClientCredentials {
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
  return { clientId, secret };
}

/**
 * Returns true when a secret authenticated the client, false for an allowed public client; throws the AADSTS error
 * Entra gives otherwise.
 */
export function authenticateClient(app: Application, secret: string | null, opts: { publicAllowed: boolean; publicOnly?: boolean }): boolean {
  if (!secret) {
    if (opts.publicAllowed) return false;
    throw AADSTS.secretRequired();
  }
  const isPublicApp = app.isFallbackPublicClient === true && app.passwordCredentials.length === 0;
  if (opts.publicOnly || isPublicApp) throw AADSTS.publicClientSentSecret();
  const digest = sha256Hex(secret);
  const credential = app.passwordCredentials.find((c) => c.secretSha256 === digest);
  // A secret added moments ago is not yet known to every STS replica (contract §2.4).
  if (!credential || isStillReplicating(credential.startDateTime) || Date.parse(credential.startDateTime) > Date.now()) {
    throw AADSTS.invalidSecret(app.appId);
  }
  if (Date.parse(credential.endDateTime) <= Date.now()) throw AADSTS.expiredSecret(app.appId, credential.keyId);
  return true;
}
