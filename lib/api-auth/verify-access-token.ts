import "server-only";
import { getEnv } from "../core/env";
import { createAccessTokenVerifier, refuseToken, type AccessTokenVerifier, type TokenVerdict } from "./access-token-verifier";
import type { AppRole } from "./app-roles";

export type { ApiCaller, AppRole } from "./app-roles";
export type { TokenRefusal, TokenRefusalReason } from "./access-token-verifier";

const globalForVerifier = globalThis as unknown as { portalAccessTokenVerifier?: { key: string; verifier: AccessTokenVerifier } };

/** One verifier per process (its JWKS cache is shared by every request), rebuilt if the configuration changed. */
function getVerifier(): AccessTokenVerifier {
  const env = getEnv();
  const identifierUris = env.PORTAL_API_IDENTIFIER_URIS ?? [];
  const key = `${env.MICROSOFT_AUTHORITY_HOST}|${env.ACTON_TENANT_ID ?? ""}|${env.PORTAL_CLIENT_ID ?? ""}|${identifierUris.join(",")}`;
  const cached = globalForVerifier.portalAccessTokenVerifier;
  if (cached?.key === key) return cached.verifier;
  const verifier = createAccessTokenVerifier({
    authorityHost: env.MICROSOFT_AUTHORITY_HOST,
    tenantId: env.ACTON_TENANT_ID,
    clientId: env.PORTAL_CLIENT_ID,
    identifierUris,
  });
  globalForVerifier.portalAccessTokenVerifier = { key, verifier };
  return verifier;
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  const match = header ? /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header.trim()) : null;
  return match ? match[1] : null;
}

/**
 * Authenticates an API request by its Entra access token (issued in Act-On's tenant for the portal's API) and checks
 * that the caller holds one of `roles`. Fails with `unauthorized` (401) for a missing or invalid token and
 * `forbidden` (403) for a valid token without the role.
 */
export async function verifyAccessToken(request: Request, options: { roles: readonly AppRole[] }): Promise<TokenVerdict> {
  const token = bearerToken(request);
  if (!token) return refuseToken("unauthorized", "missing_token", "Send an access token for the portal's API in the Authorization header (Bearer).");
  return getVerifier().verify(token, options);
}
