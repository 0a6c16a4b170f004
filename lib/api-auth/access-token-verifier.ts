import "server-only";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import { microsoftFetch } from "../microsoft/http";
import { isAppRole, SERVICE_ROLES, USER_ROLES, type ApiCaller, type AppRole } from "./app-roles";

/**
 * Verifies the Entra access tokens Act-On's staff (delegated, via the console) and services (client credentials)
 * present to the portal's API: RS256 signature against the tenant's published keys, issuer of Act-On's tenant only
 * (v2 `…/{tid}/v2.0` or v1 `https://sts.windows.net/{tid}/`, both read from the tenant's OpenID configurations),
 * audience the portal's API (`api://<client id>` in v1 tokens, the client id in v2 tokens), `exp`/`nbf` with a small
 * skew, `tid`, then the app roles the route needs.
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

const metadataSchema = z.object({ issuer: z.string().min(1), jwks_uri: z.string().url().optional() });

const accessClaimsSchema = z.object({
  tid: z.string().min(1),
  oid: z.string().min(1),
  roles: z.array(z.string()).optional(),
  scp: z.string().optional(),
  idtyp: z.string().optional(),
  name: z.string().optional(),
  app_displayname: z.string().optional(),
});

export type AccessTokenVerifier = {
  /** Verifies `token` and that its caller holds at least one of `roles` (any role when the list is empty). */
  verify(token: string, options: { roles: readonly AppRole[] }): Promise<Result<ApiCaller>>;
};

const unauthorized = (userMessage: string, detail?: string) => fail<ApiCaller>(appError("unauthorized", userMessage, { detail }));

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
        return fail(appError("internal", "The portal's API is not configured to accept tokens."));
      }
      let source: KeySource;
      try {
        source = await loadKeySource(tenantId);
      } catch (error) {
        log.error("api-auth: could not load the tenant's signing keys", { error });
        return fail(appError("upstream_unavailable", "The API could not check the token right now. Try again shortly.", { retryable: true }));
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
      if (!claims.success) return unauthorized("The access token is missing required claims.");
      if (claims.data.tid !== tenantId) return unauthorized("The access token was issued for another tenant.");
      // Delegated tokens carry `scp`; app-only tokens (client credentials) carry none and say idtyp=app when asked.
      const kind: ApiCaller["kind"] = claims.data.idtyp === "app" || claims.data.scp === undefined ? "service" : "user";
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
        return fail(appError("forbidden", `This operation needs one of the app roles ${roles.join(", ")}.`));
      }
      return ok(caller);
    },
  };
}

function rejectToken(error: unknown): Result<ApiCaller> {
  if (error instanceof joseErrors.JWTExpired) return unauthorized("The access token has expired.");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return unauthorized("The access token was issued for another audience.");
    if (error.claim === "iss") return unauthorized("The access token was issued by another tenant or authority.");
    if (error.claim === "nbf") return unauthorized("The access token is not valid yet.");
    return unauthorized(`The access token's ${error.claim} claim is not acceptable.`);
  }
  if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
    log.error("api-auth: token verification failed unexpectedly", { error });
    return fail(appError("upstream_unavailable", "The API could not check the token right now. Try again shortly.", { retryable: true }));
  }
  // Bad signature, unknown key, malformed token, wrong algorithm: all the same answer.
  return unauthorized("The access token is not valid.");
}
