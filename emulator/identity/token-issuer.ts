/**
 * Mints the token responses of contract §1.6 with the claims of §1.9. The token's shape is the resource's choice:
 * Graph and Dataverse take v1 tokens (iss sts.windows.net, `appid`, `upn`), an API that asks for v2 gets
 * `azp`/`preferred_username` and iss on the sandbox origin. ID tokens are always v2 and issued on the sandbox origin,
 * because recent MSAL checks the issuer host against the authority.
 */
import { createHash, randomBytes } from "node:crypto";
import type { EmuRequest } from "../core/http";
import type { AppRole, Application, ServicePrincipal, Tenant, User } from "../core/state";
import { effectiveDirectoryRoles } from "../core/directory-roles";
import { signJwt } from "../core/tokens";
import { assignedRoleValues, findServicePrincipal, homeAccountOf } from "./directory";
import { REFRESH_LIFETIME_MS, saveRefreshToken, SPA_REFRESH_LIFETIME_MS } from "./pending-grants";
import { OIDC_SCOPES, type Resource } from "./resources";
import { sandboxNow } from "../core/clock";

const ACCESS_TOKEN_LIFETIME_S = 3599;
/** Entra puts this well-known id in `wids` for every member user, next to their directory role template ids. */
const MEMBER_USER_WID = "b79fbf4d-3ef9-4689-8143-76b194e85509";

export function v2Issuer(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** `client_info` names the home account (uid, utid), also when a guest signed in to another tenant. */
export function clientInfo(user: User): string {
  const home = homeAccountOf(user);
  return Buffer.from(JSON.stringify({ uid: home.id, utid: home.tenantId })).toString("base64url");
}

/** The name the person signs in with: a guest's home account name, not its `#EXT#` name in the inviting tenant. */
function signInName(user: User): string {
  return homeAccountOf(user).userPrincipalName;
}

/** Entra's `sub` is pairwise: stable per user and app, different across apps. */
function pairwiseSubject(userId: string, appId: string): string {
  return createHash("sha256").update(`${userId}:${appId}`).digest("base64url").slice(0, 43);
}

function times(): { iat: number; nbf: number; exp: number } {
  const now = Math.floor(sandboxNow() / 1000);
  return { iat: now, nbf: now, exp: now + ACCESS_TOKEN_LIFETIME_S };
}

const uti = () => randomBytes(16).toString("base64url").slice(0, 22);

export type UserTokenContext = {
  req: EmuRequest;
  tenant: Tenant;
  user: User;
  app: Application;
  resource: Resource;
  /** Delegated permissions the user+client hold on the resource (the `scp` claim). */
  grantedScopes: string[];
  oidc: string[];
  nonce: string | null;
  authTime: number;
  amr: string[];
  sid: string;
  /** The client proved itself with a secret (`appidacr` 1) rather than being a public client (0). */
  clientAuthenticated: boolean;
  isPublicClient: boolean;
  /** Tokens for a SPA redirect URI: the refresh token has a fixed 24-hour lifetime. */
  isSpa: boolean;
};

/** The success body for every user grant (authorization_code, refresh_token, password, device_code). */
export async function issueUserTokens(ctx: UserTokenContext): Promise<Record<string, unknown>> {
  const { req, tenant, user, app, resource } = ctx;
  const t = times();
  const resourceSp = findServicePrincipal(tenant.id, resource.appId);
  const roles = resourceSp ? assignedRoleValues(user.id, resourceSp.id, rolesFor(resource.appRoles, "User")) : [];
  const common = {
    aud: resource.audience,
    ...t,
    name: user.displayName,
    oid: user.id,
    rh: `0.sandbox.${uti()}`,
    scp: ctx.grantedScopes.join(" "),
    sub: pairwiseSubject(user.id, app.appId),
    tid: tenant.id,
    uti: uti(),
    wids: [...effectiveDirectoryRoles(user), MEMBER_USER_WID],
    ...(resource.idtyp.user ? { idtyp: "user" as const } : {}),
    ...(roles.length ? { roles } : {}),
  };
  const accessClaims =
    resource.tokenVersion === 1
      ? {
          ...common,
          iss: v1Issuer(tenant.id),
          acr: "1",
          amr: ctx.amr,
          appid: app.appId,
          appidacr: ctx.clientAuthenticated ? "1" : "0",
          family_name: user.surname ?? undefined,
          given_name: user.givenName ?? undefined,
          ipaddr: "127.0.0.1",
          unique_name: signInName(user),
          // A guest's account lives elsewhere: no `upn` here, `idp` names its home tenant's issuer.
          ...(user.homeUserId ? { idp: v1Issuer(homeAccountOf(user).tenantId) } : { upn: user.userPrincipalName }),
          ver: "1.0",
        }
      : {
          ...common,
          iss: v2Issuer(req.origin, tenant.id),
          azp: app.appId,
          azpacr: ctx.clientAuthenticated ? "1" : "0",
          preferred_username: signInName(user),
          ...(user.homeUserId ? { idp: v1Issuer(homeAccountOf(user).tenantId) } : {}),
          ver: "2.0",
        };
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: responseScope(resource, ctx.grantedScopes, ctx.oidc),
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
    access_token: await signJwt(accessClaims),
  };
  if (ctx.oidc.includes("offline_access")) {
    body.refresh_token = saveRefreshToken({
      clientId: app.appId,
      tenantId: tenant.id,
      userId: user.id,
      authTime: ctx.authTime,
      amr: ctx.amr,
      sid: ctx.sid,
      isPublicClient: ctx.isPublicClient,
      isSpa: ctx.isSpa,
      expiresAt: sandboxNow() + (ctx.isSpa ? SPA_REFRESH_LIFETIME_MS : REFRESH_LIFETIME_MS),
    });
  }
  if (ctx.oidc.includes("openid")) body.id_token = await issueIdToken(ctx);
  body.client_info = clientInfo(user);
  return body;
}

/** The client app's own app roles assigned to the user appear in its ID token (how the portal learns Support/Admin). */
async function issueIdToken(ctx: UserTokenContext): Promise<string> {
  const { req, tenant, user, app } = ctx;
  const t = times();
  const clientSp = findServicePrincipal(tenant.id, app.appId);
  const roles = clientSp ? assignedRoleValues(user.id, clientSp.id, rolesFor(app.appRoles, "User")) : [];
  return signJwt({
    aud: app.appId,
    iss: v2Issuer(req.origin, tenant.id),
    ...t,
    auth_time: ctx.authTime,
    name: user.displayName,
    ...(ctx.nonce ? { nonce: ctx.nonce } : {}),
    oid: user.id,
    preferred_username: signInName(user),
    ...(user.homeUserId ? { idp: v1Issuer(homeAccountOf(user).tenantId) } : {}),
    ...(ctx.oidc.includes("email") && user.mail ? { email: user.mail } : {}),
    rh: `0.sandbox.${uti()}`,
    sid: ctx.sid,
    sub: pairwiseSubject(user.id, app.appId),
    tid: tenant.id,
    uti: uti(),
    ver: "2.0",
    ...(roles.length ? { roles } : {}),
  });
}

/** Enabled roles a principal of this kind may hold (`allowedMemberTypes`); user tokens carry only user roles. */
function rolesFor(roles: AppRole[], memberType: "User" | "Application"): AppRole[] {
  return roles.filter((r) => r.isEnabled && r.allowedMemberTypes.includes(memberType));
}

/**
 * The response `scope`: resource permissions qualified with the identifier the client used (bare for bare Graph
 * scopes, so MSAL's cache lookup for `User.Read` hits), followed by the OIDC scopes asked for.
 */
function responseScope(resource: Resource, granted: string[], oidc: string[]): string {
  const permissions = granted
    .filter((s) => !(OIDC_SCOPES as readonly string[]).includes(s.toLowerCase()))
    .map((s) => (resource.isGraph && resource.identifier === "" ? s : `${resource.identifier}/${s}`));
  return [...permissions, ...oidc.filter((o) => o !== "offline_access")].join(" ");
}

/** Client-credentials token: roles = the app roles assigned to the client's SP on the resource (none for Dataverse). */
export async function issueAppToken(
  req: EmuRequest,
  tenant: Tenant,
  app: Application,
  clientSp: ServicePrincipal,
  resource: Resource,
  resourceSp: ServicePrincipal,
): Promise<Record<string, unknown>> {
  const roles = resource.isDataverse ? [] : assignedRoleValues(clientSp.id, resourceSp.id, rolesFor(resource.appRoles, "Application"));
  const common = {
    aud: resource.audience,
    ...times(),
    ...(resource.idtyp.app ? { idtyp: "app" as const } : {}),
    oid: clientSp.id,
    rh: `0.sandbox.${uti()}`,
    sub: clientSp.id,
    tid: tenant.id,
    uti: uti(),
    ...(roles.length ? { roles } : {}),
  };
  const claims =
    resource.tokenVersion === 1
      ? { ...common, iss: v1Issuer(tenant.id), appid: app.appId, appidacr: "1", ver: "1.0" }
      : { ...common, iss: v2Issuer(req.origin, tenant.id), azp: app.appId, azpacr: "1", ver: "2.0" };
  return {
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
    access_token: await signJwt(claims),
  };
}
