import "server-only";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { appError, type AppError } from "../core/errors";
import { log } from "../core/log";
import { microsoftFetch } from "../microsoft/http";
import { isAppRole, SERVICE_ROLES, USER_ROLES, type ApiCaller, type AppRole } from "./app-roles";

/**
 * Verifies the Entra access tokens Act-On's staff (delegated, via the console) and services (client credentials)
 * present to the portal's API: RS256 signature against the tenant's published keys, issuer of Act-On's tenant only
 * (v2 `…/{tid}/v2.0` or v1 `https://sts.windows.net/{tid}/`, both read from the tenant's OpenID configurations),
 * audience the portal's API (`api://<client id>` in v1 tokens, the client id in v2 tokens), `exp`/`nbf` with a small
 * skew, a lifetime no longer than Entra issues, `tid`, whose token it is (a person's or a service's), then the app
 * roles the route needs.
 * https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens
 */
export type AccessTokenVerifierOptions = {
  /** Entra authority host (MICROSOFT_AUTHORITY_HOST). */
  authorityHost: string;
  /** Act-On's own tenant (ACTON_TENANT_ID): tokens from any other tenant are refused. */
  tenantId: string | undefined;
  /** The portal's app registration (PORTAL_CLIENT_ID): the API's audience. */
  clientId: string | undefined;
  clockToleranceSeconds?: number;
  /** Where the signing keys and accepted issuers come from; default: the tenant's OpenID configurations. */
  keySource?: KeySource;
  /** Clock for exp/nbf (tests). */
  currentDate?: () => Date;
};

export type KeySource = { keys: JWTVerifyGetKey; issuers: string[] };

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
    issuers: [v2.data.issuer, v1.data.issuer],
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
          issuer: source.issuers,
          audience: [`api://${clientId}`, clientId],
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
