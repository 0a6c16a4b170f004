import "server-only";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { appError, type AppError } from "../core/errors";
import { log } from "../core/log";
import { microsoftFetch } from "../microsoft/http";
import { isAppRole, SERVICE_ROLES, USER_ROLES, type ApiCaller, type AppRole } from "./app-roles";

/**
 * Verifies the Entra access tokens Act-On's staff (delegated, via the console) and services (client credentials)
 * present to the portal's API: RS256 signature against the tenant's published keys, issuer of Act-On's tenant only,
 * the token version's own claims (below), `exp`/`nbf` with a small skew, a lifetime no longer than Entra issues, `tid`,
 * whose token it is (a person's or a service's), a person's token issued to the console only, then the app roles the
 * route needs.
 *
 * Entra issues v1.0 access tokens for an API unless its manifest sets `requestedAccessTokenVersion: 2`, so a real
 * registration usually sends v1 (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
 * - v1.0: `iss` `https://sts.windows.net/{tid}/`, `aud` the identifier the client asked for (an identifier URI, or the
 *   client id when it asked by id), the client in `appid`;
 * - v2.0: `iss` `{authority}/{tid}/v2.0`, `aud` always the API's client id, the client in `azp`.
 * https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens
 */
export type AccessTokenVerifierOptions = {
  /** Entra authority host (MICROSOFT_AUTHORITY_HOST). */
  authorityHost: string;
  /** Act-On's own tenant (ACTON_TENANT_ID): tokens from any other tenant are refused. */
  tenantId: string | undefined;
  /**
   * The portal's app registration (PORTAL_CLIENT_ID): the API's audience in v2 tokens, and the only client a person's
   * token may come from, because the support console signs staff in as this registration (support-console-config.ts).
   */
  clientId: string | undefined;
  /** The API's identifier URIs (PORTAL_API_IDENTIFIER_URIS): the audiences of v1 tokens. Default `api://<client id>`. */
  identifierUris?: readonly string[];
  clockToleranceSeconds?: number;
  /** Where the signing keys and accepted issuers come from; default: the tenant's OpenID configurations. */
  keySource?: KeySource;
  /** Clock for exp/nbf (tests). */
  currentDate?: () => Date;
};

/** The signing keys, and the issuer each token version carries (from the v1 and v2 OpenID configurations). */
export type KeySource = { keys: JWTVerifyGetKey; issuers: { v1: string; v2: string } };

/** Microsoft's libraries allow 5 minutes; a resource server can be stricter. One minute absorbs ordinary drift. */
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * The longest an Entra access token lives: 60–90 minutes by default, 20–28 hours for clients of Continuous Access
 * Evaluation ("long lived" tokens), and at most a day under a configurable token lifetime policy
 * (https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime,
 * https://learn.microsoft.com/entra/identity-platform/configurable-token-lifetimes). A token that claims to live longer
 * was not issued by Entra's rules (a key compromise or a forged test token), so it is refused however valid it looks.
 */
const MAX_TOKEN_LIFETIME_SECONDS = 28 * 60 * 60;

const metadataSchema = z.object({ issuer: z.string().min(1), jwks_uri: z.string().url().optional() });

const accessClaimsSchema = z.object({
  tid: z.string().min(1),
  oid: z.string().min(1),
  sub: z.string().optional(),
  exp: z.number(),
  iat: z.number(),
  nbf: z.number().optional(),
  iss: z.string(),
  aud: z.string(),
  ver: z.string().optional(),
  appid: z.string().optional(),
  azp: z.string().optional(),
  roles: z.array(z.string()).optional(),
  scp: z.string().optional(),
  idtyp: z.string().optional(),
  name: z.string().optional(),
  app_displayname: z.string().optional(),
});

/** Why a token was refused, in words few enough for the audit log to count refusals by. */
export type TokenRefusalReason =
  | "missing_token"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "wrong_issuer"
  | "wrong_tenant"
  | "wrong_client"
  | "invalid_claims"
  | "too_long_lived"
  | "unknown_principal"
  | "invalid_token"
  | "missing_role"
  | "unavailable";

/**
 * A refused token: the error to answer with, why, and who presented it when the signature proved it (`callerKey`
 * `<tid>:<oid>`, and the whole caller when only the role was missing). Claims of an unverified token name nobody.
 */
export type TokenRefusal = { ok: false; error: AppError; reason: TokenRefusalReason; callerKey: string | null; caller?: ApiCaller };
export type TokenVerdict = { ok: true; value: ApiCaller } | TokenRefusal;

export type AccessTokenVerifier = {
  /** Verifies `token` and that its caller holds at least one of `roles` (any role when the list is empty). */
  verify(token: string, options: { roles: readonly AppRole[] }): Promise<TokenVerdict>;
};

export function refuseToken(
  code: "unauthorized" | "forbidden" | "internal" | "upstream_unavailable",
  reason: TokenRefusalReason,
  userMessage: string,
  who: { callerKey?: string; caller?: ApiCaller } = {},
): TokenRefusal {
  const retryable = code === "upstream_unavailable";
  return { ok: false, error: appError(code, userMessage, { retryable }), reason, callerKey: who.callerKey ?? null, caller: who.caller };
}

const unauthorized = (reason: TokenRefusalReason, userMessage: string, callerKey?: string) =>
  refuseToken("unauthorized", reason, userMessage, { callerKey });

/** Loads the accepted issuers and the JWKS (jose caches the keys and refetches on an unknown `kid`). */
async function discoverKeySource(authorityHost: string, tenantId: string): Promise<KeySource> {
  const host = authorityHost.replace(/\/+$/, "");
  const [v2, v1] = await Promise.all(
    [`${host}/${tenantId}/v2.0/.well-known/openid-configuration`, `${host}/${tenantId}/.well-known/openid-configuration`].map((url) =>
      microsoftFetch({ service: "identity", method: "GET", url, replay: "safe", schema: metadataSchema, timeoutMs: 10_000 }),
    ),
  );
  const jwksUri = v2.data.jwks_uri ?? v1.data.jwks_uri;
  if (!jwksUri) throw new Error("the tenant's OpenID configuration has no jwks_uri");
  return {
    keys: createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10_000, cooldownDuration: 30_000 }),
    issuers: { v1: v1.data.issuer, v2: v2.data.issuer },
  };
}

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  let keySource: Promise<KeySource> | undefined = options.keySource ? Promise.resolve(options.keySource) : undefined;
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;

  const loadKeySource = (tenantId: string): Promise<KeySource> => {
    keySource ??= discoverKeySource(options.authorityHost, tenantId).catch((error) => {
      keySource = undefined; // try again on the next request instead of caching the failure
      throw error;
    });
    return keySource;
  };

  return {
    async verify(token, { roles }) {
      const { tenantId, clientId } = options;
      const identifierUris = options.identifierUris?.length ? options.identifierUris : [`api://${clientId}`];
      if (!tenantId || !clientId) {
        log.error("api-auth: ACTON_TENANT_ID and PORTAL_CLIENT_ID must be set for the API to accept tokens");
        return refuseToken("internal", "unavailable", "The portal's API is not configured to accept tokens.");
      }
      let source: KeySource;
      try {
        source = await loadKeySource(tenantId);
      } catch (error) {
        log.error("api-auth: could not load the tenant's signing keys", { error });
        return refuseToken("upstream_unavailable", "unavailable", "The API could not check the token right now. Try again shortly.");
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, source.keys, {
          algorithms: ["RS256"],
          issuer: [source.issuers.v1, source.issuers.v2],
          audience: [...identifierUris, clientId],
          clockTolerance: tolerance,
          requiredClaims: ["exp", "iat", "tid", "oid"],
          currentDate: options.currentDate?.(),
        }));
      } catch (error) {
        return rejectToken(error);
      }
      const claims = accessClaimsSchema.safeParse(payload);
      if (!claims.success) return unauthorized("invalid_claims", "The access token is missing required claims.");
      if (claims.data.tid !== tenantId) return unauthorized("wrong_tenant", "The access token was issued for another tenant.");
      const shape = tokenShapeOf(claims.data, { issuers: source.issuers, clientId });
      if (!shape.ok) return unauthorized(shape.reason, shape.message);
      // From here the signature and issuer vouch for tid and oid: a refusal can name who presented the token.
      const callerKey = `${claims.data.tid}:${claims.data.oid}`;
      const lifetime = claims.data.exp - (claims.data.nbf ?? claims.data.iat);
      if (lifetime > MAX_TOKEN_LIFETIME_SECONDS + tolerance) {
        return unauthorized("too_long_lived", "The access token lives longer than Microsoft Entra issues access tokens for (28 hours).", callerKey);
      }
      const kind = principalKindOf(claims.data);
      if (!kind) {
        return unauthorized("unknown_principal", "The access token is neither a delegated (user) token nor an app-only (service) token.", callerKey);
      }
      // Only the console signs people in for this API: a person's token another app obtained is not the console's.
      if (kind === "user" && shape.client !== clientId) {
        return unauthorized("wrong_client", "The access token was issued to another application than the support console.", callerKey);
      }
      // A role only counts for the kind of principal it is meant for: a person never acts as a connector service.
      const allowedForKind = kind === "user" ? USER_ROLES : SERVICE_ROLES;
      const held = (claims.data.roles ?? []).filter(isAppRole).filter((r) => allowedForKind.includes(r));
      const caller: ApiCaller = {
        kind,
        objectId: claims.data.oid,
        tenantId: claims.data.tid,
        name: (kind === "user" ? claims.data.name : claims.data.app_displayname) ?? null,
        roles: held,
      };
      if (roles.length > 0 && !roles.some((r) => held.includes(r))) {
        return refuseToken("forbidden", "missing_role", `This operation needs one of the app roles ${roles.join(", ")}.`, { callerKey, caller });
      }
      return { ok: true, value: caller };
    },
  };
}

type TokenShape = { ok: true; client: string } | { ok: false; reason: TokenRefusalReason; message: string };

/**
 * The claims of the token's version, together: a v1 issuer with v2 claims (or the reverse) is not a token Entra
 * issued, however it was signed. Returns the client application the token was issued to.
 */
function tokenShapeOf(
  claims: { ver?: string; iss: string; aud: string; appid?: string; azp?: string },
  expected: { issuers: KeySource["issuers"]; clientId: string },
): TokenShape {
  if (claims.ver === "1.0") {
    if (claims.iss !== expected.issuers.v1)
      return { ok: false, reason: "wrong_issuer", message: "A v1.0 access token must come from the tenant's v1.0 issuer." };
    if (!claims.appid || claims.azp !== undefined)
      return { ok: false, reason: "invalid_claims", message: "A v1.0 access token names its client in appid." };
    return { ok: true, client: claims.appid };
  }
  if (claims.ver === "2.0") {
    if (claims.iss !== expected.issuers.v2)
      return { ok: false, reason: "wrong_issuer", message: "A v2.0 access token must come from the tenant's v2.0 issuer." };
    // v2.0 tokens always carry the API's client id, whatever identifier the client asked for.
    if (claims.aud !== expected.clientId)
      return { ok: false, reason: "wrong_audience", message: "The access token was issued for another audience." };
    if (!claims.azp || claims.appid !== undefined)
      return { ok: false, reason: "invalid_claims", message: "A v2.0 access token names its client in azp." };
    return { ok: true, client: claims.azp };
  }
  return { ok: false, reason: "invalid_claims", message: "The access token's version (ver) is not 1.0 or 2.0." };
}

/**
 * Whose token it is, as Microsoft documents telling them apart:
 * - `idtyp: "app"` is "the most accurate way for an API to determine if a token is an app token" — an optional claim
 *   the API's registration asks for (https://learn.microsoft.com/entra/identity-platform/optional-claims-reference);
 * - a delegated token carries `scp`, the scopes the user consented to (access-token-claims-reference);
 * - without the optional claim, an app-only token is one whose `oid` equals its `sub` (both the service principal's
 *   object id; a user's `sub` is pairwise per app), as "Protected web API: verify scopes and app roles" shows
 *   (https://learn.microsoft.com/entra/identity-platform/scenario-protected-web-api-verification-scope-app-roles).
 * A token that says both (`idtyp: "app"` with `scp`) or neither (no `scp`, no `idtyp: "app"`, `oid` ≠ `sub`) is not
 * one Entra issues for this API, so it has no kind and is refused: it must never fall through to "service".
 */
function principalKindOf(claims: { scp?: string; idtyp?: string; oid: string; sub?: string }): ApiCaller["kind"] | null {
  if (claims.idtyp === "app") return claims.scp === undefined ? "service" : null;
  if (claims.scp !== undefined) return "user";
  if (claims.idtyp === undefined && claims.sub !== undefined && claims.oid === claims.sub) return "service";
  return null;
}

function rejectToken(error: unknown): TokenRefusal {
  if (error instanceof joseErrors.JWTExpired) return unauthorized("expired", "The access token has expired.");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return unauthorized("wrong_audience", "The access token was issued for another audience.");
    if (error.claim === "iss") return unauthorized("wrong_issuer", "The access token was issued by another tenant or authority.");
    if (error.claim === "nbf") return unauthorized("not_yet_valid", "The access token is not valid yet.");
    return unauthorized("invalid_claims", `The access token's ${error.claim} claim is not acceptable.`);
  }
  if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
    log.error("api-auth: token verification failed unexpectedly", { error });
    return refuseToken("upstream_unavailable", "unavailable", "The API could not check the token right now. Try again shortly.");
  }
  // Bad signature, unknown key, malformed token, wrong algorithm: all the same answer.
  return unauthorized("invalid_token", "The access token is not valid.");
}
