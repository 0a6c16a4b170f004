/**
 * POST /{tenant}/oauth2/v2.0/token: the grants MSAL and @azure/identity use (contract §1.6). Each grant validates in
 * Entra's order (client, then credential, then user, then consent), so the first failure a client meets is the one
 * Entra would report.
 */
import { createHash, randomUUID } from "node:crypto";
import { parseForm, type EmuRequest, type EmuResponse } from "../core/http";
import type { Application, Tenant, User } from "../core/state";
import { isStillReplicating } from "../core/store";
import { sha256Hex } from "../scenarios/default";
import { authenticateClient, readClientCredentials, type ClientCredentials } from "./client-auth";
import {
  assertAppUsableInTenant,
  evaluateConsent,
  findApplication,
  findServicePrincipal,
  findUserById,
  findUserByUpn,
  grantedScopes,
  requiresMfa,
} from "./directory";
import { AadFailure, AADSTS, NO_STORE_HEADERS, tokenError } from "./errors";
import { findCode, findDeviceAuthorization, findRefreshToken, sweepExpired } from "./pending-grants";
import { conditionalAccessRequiringMfa } from "../graph/conditional-access";
import { parseScopes, resolveResource, splitScopes, tokenResource, type ParsedScopes } from "./resources";
import { findTenantById, resolveTenantSegment, tenantName, tenantOfUpn, type TenantSegment } from "./tenants";
import { issueAppToken, issueUserTokens } from "./token-issuer";
import { sandboxNow } from "../core/clock";

type GrantContext = { req: EmuRequest; form: Record<string, string>; segment: TenantSegment; app: Application; credentials: ClientCredentials };

/**
 * Audiences a client assertion may name: Microsoft documents the tenant's v2.0 token endpoint; the URL the request
 * was posted to (a domain or alias segment) is the same endpoint.
 */
function assertionAudiences(req: EmuRequest, segment: TenantSegment): string[] {
  const posted = `${req.origin}${req.url.pathname}`;
  return segment.kind === "tenant" ? [posted, `${req.origin}/${segment.tenant.id}/oauth2/v2.0/token`] : [posted];
}

export async function handleToken(req: EmuRequest): Promise<EmuResponse> {
  const form = parseForm(req.rawBody);
  try {
    const segment = resolveTenantSegment(req.params.tenant);
    if (!segment) throw AADSTS.tenantNotFound(req.params.tenant);
    if (segment.kind === "consumers") throw AADSTS.consumersNotSupported();
    const grantType = form.grant_type;
    if (!grantType) throw AADSTS.missingParameter("grant_type");
    const credentials = readClientCredentials(req, form, assertionAudiences(req, segment));
    const { clientId } = credentials;
    if (!clientId) throw AADSTS.missingParameter("client_id");
    const app = findApplication(clientId);
    if (!app) throw AADSTS.appNotFound(clientId, tenantName(segment));
    const ctx: GrantContext = { req, form, segment, app, credentials };
    sweepExpired();
    let body: Record<string, unknown>;
    switch (grantType) {
      case "authorization_code":
        body = await authorizationCodeGrant(ctx);
        break;
      case "refresh_token":
        body = await refreshTokenGrant(ctx);
        break;
      case "client_credentials":
        body = await clientCredentialsGrant(ctx);
        break;
      case "password":
        body = await passwordGrant(ctx);
        break;
      case "urn:ietf:params:oauth:grant-type:device_code":
      case "device_code": // msal-common sends the short form; Entra accepts both
        body = await deviceCodeGrant(ctx);
        break;
      default:
        throw AADSTS.unsupportedGrantType(grantType);
    }
    return { status: 200, body, headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE_HEADERS } };
  } catch (error) {
    if (error instanceof AadFailure) return tokenError(req, error.detail, form);
    throw error;
  }
}

/** Parses `scope` for a token: one resource at most (AADSTS28000), as Entra's token endpoint insists. */
function tokenScopes(ctx: GrantContext, scope: string, tenant: Tenant): ParsedScopes {
  const parsed = parseScopes(scope, ctx.req.origin, tenant.domains[0]);
  if (parsed.requests.length > 1) throw AADSTS.multipleResources();
  return parsed;
}

type UserGrant = {
  tenant: Tenant;
  user: User;
  scope: string;
  nonce: string | null;
  authTime: number;
  amr: string[];
  sid: string;
  clientAuthenticated: boolean;
  isPublicClient: boolean;
  isSpa: boolean;
  forceRefreshToken?: boolean;
};

/** The browser's `Origin` header: present on a cross-origin `fetch`, absent from server-side clients such as msal-node. */
function requestOrigin(ctx: GrantContext): string | null {
  const h = ctx.req.headers.origin;
  const value = Array.isArray(h) ? h[0] : h;
  return value && value !== "null" ? value : null;
}

/**
 * Entra's SPA rule: a code or refresh token issued to a SPA redirect URI is redeemed only cross-origin (from the
 * browser, AADSTS9002327 otherwise), and only SPA tokens may be redeemed cross-origin (AADSTS9002326).
 */
function assertRedemptionOrigin(ctx: GrantContext, isSpa: boolean): void {
  const origin = requestOrigin(ctx);
  if (isSpa && !origin) throw AADSTS.spaRedemptionNotCrossOrigin();
  if (!isSpa && origin) throw AADSTS.crossOriginNotSpa(origin);
}

/** Consent check, then tokens. Shared by every user grant: this is where "refresh for a second resource" is decided. */
async function issueForUser(ctx: GrantContext, g: UserGrant): Promise<Record<string, unknown>> {
  const { app } = ctx;
  if (!g.user.accountEnabled) throw AADSTS.userDisabled();
  const parsed = tokenScopes(ctx, g.scope, g.tenant);
  assertAppUsableInTenant(app, g.tenant);
  const evaluation = evaluateConsent(g.tenant, g.user, app, parsed, ctx.req.origin);
  if (evaluation.missing.length > 0 || !evaluation.clientSp) throw AADSTS.consentRequired(app.appId, app.displayName);
  const { resource } = tokenResource(parsed, ctx.req.origin);
  const resourceSp = findServicePrincipal(g.tenant.id, resource.appId)!;
  const oidc = g.forceRefreshToken && !parsed.oidc.includes("offline_access") ? [...parsed.oidc, "offline_access"] : parsed.oidc;
  return issueUserTokens({
    req: ctx.req,
    tenant: g.tenant,
    user: g.user,
    app,
    resource,
    grantedScopes: grantedScopes(g.tenant.id, evaluation.clientSp.id, resourceSp.id, g.user.id),
    oidc,
    nonce: g.nonce,
    authTime: g.authTime,
    amr: g.amr,
    sid: g.sid,
    clientAuthenticated: g.clientAuthenticated,
    isPublicClient: g.isPublicClient,
    isSpa: g.isSpa,
  });
}

async function authorizationCodeGrant(ctx: GrantContext): Promise<Record<string, unknown>> {
  const { form, app } = ctx;
  if (!form.code) throw AADSTS.missingParameter("code");
  const code = findCode(form.code);
  if (!code) throw AADSTS.codeInvalid();
  if (code.redeemed) throw AADSTS.codeRedeemed();
  if (code.expiresAt < sandboxNow()) throw AADSTS.codeInvalid();
  if (code.clientId !== app.appId) throw AADSTS.codeClientMismatch();
  if (!form.redirect_uri) throw AADSTS.missingParameter("redirect_uri");
  if (form.redirect_uri !== code.redirectUri) throw AADSTS.redirectMismatchOnRedeem();
  // A SPA code is checked for its browser origin first; other clients authenticate before the origin is looked at
  // (a web redirect redeemed without its secret is AADSTS7000218 even from a browser).
  if (code.isSpaRedirect) assertRedemptionOrigin(ctx, true);
  const clientAuthenticated = await authenticateClient(app, ctx.credentials, {
    publicAllowed: code.isPublicRedirect,
    publicOnly: code.isSpaRedirect,
  });
  if (!code.isSpaRedirect) assertRedemptionOrigin(ctx, false);
  if (code.codeChallenge) {
    const verifier = form.code_verifier;
    if (!verifier) throw AADSTS.missingParameter("code_verifier");
    const computed = code.codeChallengeMethod === "S256" ? createHash("sha256").update(verifier, "ascii").digest("base64url") : verifier;
    if (computed !== code.codeChallenge) throw AADSTS.pkceMismatch();
  }
  code.redeemed = true;
  const tenant = findTenantById(code.tenantId);
  const user = findUserById(code.userId);
  if (!tenant || !user) throw AADSTS.codeInvalid();
  return issueForUser(ctx, {
    tenant,
    user,
    scope: form.scope || code.scope,
    nonce: code.nonce,
    authTime: code.authTime,
    amr: code.amr,
    sid: code.sid,
    clientAuthenticated,
    isPublicClient: !clientAuthenticated,
    isSpa: code.isSpaRedirect,
  });
}

/** Issued before `revokeSignInSessions` (Graph's `signInSessionsValidFromDateTime`). */
function issuedBeforeRevocation(user: { signInSessionsValidFromDateTime?: string }, issuedAtMs: number): boolean {
  return !!user.signInSessionsValidFromDateTime && issuedAtMs < Date.parse(user.signInSessionsValidFromDateTime);
}

async function refreshTokenGrant(ctx: GrantContext): Promise<Record<string, unknown>> {
  const { form, app, segment } = ctx;
  if (!form.refresh_token) throw AADSTS.missingParameter("refresh_token");
  const found = findRefreshToken(form.refresh_token);
  if (found && "expired" in found) throw found.isSpa ? AADSTS.spaRefreshTokenExpired() : AADSTS.refreshTokenInvalid();
  const grant = found;
  if (!grant || grant.clientId !== app.appId) throw AADSTS.refreshTokenInvalid();
  if (segment.kind === "tenant" && segment.tenant.id !== grant.tenantId) throw AADSTS.refreshTokenInvalid();
  if (grant.isSpa) assertRedemptionOrigin(ctx, true);
  const clientAuthenticated = await authenticateClient(app, ctx.credentials, { publicAllowed: grant.isPublicClient, publicOnly: grant.isSpa });
  if (!grant.isSpa) assertRedemptionOrigin(ctx, false);
  const tenant = findTenantById(grant.tenantId);
  const user = findUserById(grant.userId);
  if (!tenant || !user) throw AADSTS.refreshTokenInvalid();
  if (issuedBeforeRevocation(user, grant.issuedAt ?? 0)) throw AADSTS.grantRevoked();
  // Entra does not revoke the old refresh token; it issues a new one with every refresh.
  return issueForUser(ctx, {
    tenant,
    user,
    scope: form.scope ?? "",
    nonce: null,
    authTime: grant.authTime,
    amr: grant.amr,
    sid: grant.sid,
    clientAuthenticated,
    isPublicClient: grant.isPublicClient,
    isSpa: grant.isSpa,
    forceRefreshToken: true,
  });
}

async function passwordGrant(ctx: GrantContext): Promise<Record<string, unknown>> {
  const { form, app, segment } = ctx;
  if (segment.kind === "common") throw AADSTS.grantNotSupportedOnCommon();
  const clientAuthenticated = await authenticateClient(app, ctx.credentials, { publicAllowed: app.isFallbackPublicClient === true });
  if (!form.username) throw AADSTS.missingParameter("username");
  if (!form.password) throw AADSTS.missingParameter("password");
  const tenant = segment.kind === "tenant" ? segment.tenant : tenantOfUpn(form.username);
  if (!tenant) throw AADSTS.userNotFound(segment.segment);
  const user = findUserByUpn(form.username);
  if (!user || user.tenantId !== tenant.id) throw AADSTS.userNotFound(tenant.id);
  if (sha256Hex(form.password) !== user.passwordSha256) throw AADSTS.wrongPassword();
  const parsed = tokenScopes(ctx, form.scope ?? "", tenant);
  const { resource } = tokenResource(parsed, ctx.req.origin);
  if (requiresMfa(user, tenant) || conditionalAccessRequiringMfa(tenant, user, resource.appId).length > 0) {
    throw AADSTS.mfaRequired(resource.audience);
  }
  return issueForUser(ctx, {
    tenant,
    user,
    scope: form.scope ?? "",
    nonce: null,
    authTime: Math.floor(sandboxNow() / 1000),
    amr: ["pwd"],
    sid: randomUUID(),
    clientAuthenticated,
    isPublicClient: !clientAuthenticated,
    isSpa: false,
  });
}

async function deviceCodeGrant(ctx: GrantContext): Promise<Record<string, unknown>> {
  const { form, app } = ctx;
  const deviceCode = form.device_code ?? form.code;
  if (!deviceCode) throw AADSTS.missingParameter("device_code");
  const auth = findDeviceAuthorization(deviceCode);
  if (!auth || auth.clientId !== app.appId) throw AADSTS.badDeviceCode();
  const clientAuthenticated = await authenticateClient(app, ctx.credentials, { publicAllowed: app.isFallbackPublicClient === true });
  if (auth.status === "redeemed") throw AADSTS.codeRedeemed();
  if (auth.status === "declined") throw AADSTS.deviceCodeDeclined();
  if (auth.expiresAt < sandboxNow()) throw AADSTS.deviceCodeExpired();
  if (auth.status === "pending") throw AADSTS.authorizationPending();
  const tenant = findTenantById(auth.tenantId!);
  const user = findUserById(auth.userId!);
  if (!tenant || !user) throw AADSTS.badDeviceCode();
  auth.status = "redeemed";
  return issueForUser(ctx, {
    tenant,
    user,
    scope: auth.scope,
    nonce: null,
    authTime: auth.authTime!,
    amr: auth.amr!,
    sid: auth.sid!,
    clientAuthenticated,
    isPublicClient: !clientAuthenticated,
    isSpa: false,
  });
}

/**
 * client_credentials: the app must be known in the tenant (its SP, or its home tenant), with a valid secret, asking
 * for exactly one `{resource}/.default`. Right after creation the app and SP may still be replicating, which Entra
 * reports as AADSTS700016 and AADSTS7000229; clients are expected to retry those (contract §6 step 8).
 */
async function clientCredentialsGrant(ctx: GrantContext): Promise<Record<string, unknown>> {
  const { req, form, app, segment } = ctx;
  if (segment.kind !== "tenant") throw AADSTS.grantNotSupportedOnCommon();
  const tenant = segment.tenant;
  const scopes = splitScopes(form.scope);
  if (scopes.length === 0) throw AADSTS.missingParameter("scope");
  const notDefault = scopes.find((s) => !s.endsWith("/.default"));
  if (notDefault) throw AADSTS.clientCredentialsScope(notDefault);
  if (scopes.length > 1) throw AADSTS.multipleResources();
  const isHome = app.tenantId === tenant.id;
  const clientSp = findServicePrincipal(tenant.id, app.appId);
  if (isHome && isStillReplicating(app.createdDateTime)) throw AADSTS.appNotFound(app.appId, tenant.domains[0]);
  if (!isHome && (!clientSp || app.signInAudience === "AzureADMyOrg")) throw AADSTS.appNotFound(app.appId, tenant.domains[0]);
  if (!clientSp || isStillReplicating(clientSp.createdDateTime)) throw AADSTS.clientSpMissing(app.appId, tenant.id);
  await authenticateClient(app, ctx.credentials, { publicAllowed: false });
  const identifier = scopes[0].slice(0, -"/.default".length);
  const resource = resolveResource(identifier, req.origin);
  if (!resource) throw AADSTS.resourceNotFound(identifier, tenant.domains[0]);
  const resourceSp = findServicePrincipal(tenant.id, resource.appId);
  if (!resourceSp) throw AADSTS.resourceNotFound(identifier, tenant.domains[0]);
  return issueAppToken(req, tenant, app, clientSp, resource, resourceSp);
}
