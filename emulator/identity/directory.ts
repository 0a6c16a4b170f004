/**
 * The identity platform's reads and writes on the directory: users, apps, service principals, consent grants and app
 * role assignments. Consent is what Entra checks on every delegated token: a grant (tenant-wide `AllPrincipals` or
 * per-user `Principal`) from the client's service principal to the resource's service principal.
 */
import { DIRECTORY_ROLES, type Application, type PermissionScope, type ServicePrincipal, type Tenant, type User } from "../core/state";
import { effectiveDirectoryRoles } from "../core/directory-roles";
import { getState, newGuid } from "../core/store";
import { GRAPH_APP_ID } from "../graph/first-party";
import { AADSTS } from "./errors";
import { resourceByAppId, type ParsedScopes, type Resource, type ResourceRequest } from "./resources";
import { sandboxDate } from "../core/clock";

/** Roles that may consent for the whole organisation (Entra's admin-consent roles for delegated permissions). */
const CONSENT_ADMIN_ROLE_IDS: readonly string[] = [
  DIRECTORY_ROLES.globalAdministrator,
  DIRECTORY_ROLES.applicationAdministrator,
  DIRECTORY_ROLES.cloudApplicationAdministrator,
];

export function isConsentAdmin(user: User): boolean {
  return effectiveDirectoryRoles(user).some((r) => CONSENT_ADMIN_ROLE_IDS.includes(r));
}

/** The account a sign-in name belongs to. A guest's `#EXT#` name is no sign-in name: guests sign in as their home account. */
export function findUserByUpn(upn: string): User | undefined {
  const lower = upn.trim().toLowerCase();
  return getState().users.find((u) => !u.homeUserId && u.userPrincipalName.toLowerCase() === lower);
}

/**
 * Who an account is in a tenant: itself in its home tenant, its guest object in a tenant that invited it, or
 * undefined where it is neither (AADSTS50020). `organizations`/`common` (no tenant) mean the home tenant.
 */
export function principalInTenant(account: User, tenantId: string | null): User | undefined {
  if (tenantId === null || account.tenantId === tenantId) return account;
  return getState().users.find((u) => u.tenantId === tenantId && u.homeUserId === account.id);
}

/** The home account behind a principal (itself unless it is a guest). */
export function homeAccountOf(user: User): User {
  return (user.homeUserId && findUserById(user.homeUserId)) || user;
}

export function findUserById(id: string): User | undefined {
  return getState().users.find((u) => u.id === id);
}

export function findApplication(appId: string): Application | undefined {
  const lower = appId.toLowerCase();
  return getState().applications.find((a) => a.appId.toLowerCase() === lower);
}

export function findServicePrincipal(tenantId: string, appId: string): ServicePrincipal | undefined {
  return getState().servicePrincipals.find((sp) => sp.tenantId === tenantId && sp.appId === appId);
}

/** Per-user MFA (enabled or enforced) or tenant security defaults: password alone is not enough. */
export function requiresMfa(user: User, tenant: Tenant): boolean {
  return user.perUserMfaState !== "disabled" || tenant.securityDefaultsEnabled;
}

/** Can this user use this app in this tenant at all (before consent)? Throws AADSTS700016 when not. */
export function assertAppUsableInTenant(app: Application, tenant: Tenant): void {
  const multiTenant = app.signInAudience !== "AzureADMyOrg";
  if (app.tenantId !== tenant.id && !multiTenant) throw AADSTS.appNotMultiTenant(app.appId, tenant.domains[0]);
}

/** Delegated permissions the request needs, per resource; `.default` expands to the app's static permissions. */
function requiredPermissions(app: Application, parsed: ParsedScopes, origin: string): { request: ResourceRequest; scopes: PermissionScope[] }[] {
  const requests = [...parsed.requests];
  if (parsed.oidc.length > 0 && !requests.some((r) => r.resource.isGraph)) {
    const graph = resourceByAppId(GRAPH_APP_ID, origin)!;
    requests.push({ resource: graph, permissions: [] });
  }
  return requests.map((request) => {
    const { resource } = request;
    const names = new Set(request.permissions.filter((p) => p !== ".default").map((p) => p.toLowerCase()));
    if (request.permissions.includes(".default")) {
      const rra = app.requiredResourceAccess.find((r) => r.resourceAppId === resource.appId);
      for (const access of rra?.resourceAccess ?? []) {
        const scope = access.type === "Scope" ? resource.scopes.find((s) => s.id === access.id) : undefined;
        if (scope) names.add(scope.value.toLowerCase());
      }
    }
    if (resource.isGraph) for (const o of parsed.oidc) names.add(o);
    const scopes = resource.scopes.filter((s) => names.has(s.value.toLowerCase()));
    return { request, scopes };
  });
}

/** Scope values granted to `clientSp` on `resourceSp`, tenant-wide or for this user. */
export function grantedScopes(tenantId: string, clientSpId: string, resourceSpId: string, userId: string | null): string[] {
  const out = new Set<string>();
  for (const g of getState().oauth2PermissionGrants) {
    if (g.tenantId !== tenantId || g.clientId !== clientSpId || g.resourceId !== resourceSpId) continue;
    if (g.consentType === "AllPrincipals" || (userId !== null && g.principalId === userId)) {
      for (const s of g.scope.split(" ").filter(Boolean)) out.add(s);
    }
  }
  return [...out];
}

export type ConsentGap = { resource: Resource; resourceSp: ServicePrincipal; scopes: PermissionScope[] };
export type ConsentEvaluation = {
  clientSp: ServicePrincipal | undefined;
  /** Everything the request needs, per resource (what an Accept consents to). */
  needed: ConsentGap[];
  /** The part of `needed` not yet granted to this user. Empty = no consent page. */
  missing: ConsentGap[];
  /** Some missing permission is admin-only: a non-admin cannot consent. */
  requiresAdmin: boolean;
};

/** Throws AADSTS500011 when a requested resource has no service principal in the tenant. */
export function evaluateConsent(tenant: Tenant, user: User, app: Application, parsed: ParsedScopes, origin: string): ConsentEvaluation {
  const clientSp = findServicePrincipal(tenant.id, app.appId);
  const needed: ConsentGap[] = [];
  const missing: ConsentGap[] = [];
  for (const { request, scopes } of requiredPermissions(app, parsed, origin)) {
    const resourceSp = findServicePrincipal(tenant.id, request.resource.appId);
    if (!resourceSp) throw AADSTS.resourceNotFound(request.resource.identifier || request.resource.audience, tenant.domains[0]);
    needed.push({ resource: request.resource, resourceSp, scopes });
    const granted = clientSp ? new Set(grantedScopes(tenant.id, clientSp.id, resourceSp.id, user.id).map((s) => s.toLowerCase())) : new Set<string>();
    // `/.default` asks for "whatever was consented": once anything is granted on the resource there is no prompt;
    // a permission added to the registration later needs a fresh consent (prompt=consent or admin consent).
    const gap = request.permissions.includes(".default") && granted.size > 0 ? [] : scopes.filter((s) => !granted.has(s.value.toLowerCase()));
    // No SP yet means the app was never consented here: even an empty scope list needs the consent page.
    if (gap.length > 0 || !clientSp) missing.push({ resource: request.resource, resourceSp, scopes: gap });
  }
  if (missing.length > 0 && parsed.requests.some((r) => r.permissions.includes(".default"))) {
    // `/.default` consents to every permission the app registration lists, for every API in it, not just the one
    // in the request (Microsoft identity platform, "The /.default scope").
    for (const rra of app.requiredResourceAccess) {
      if (needed.some((n) => n.resource.appId === rra.resourceAppId)) continue;
      const resource = resourceByAppId(rra.resourceAppId, origin);
      const resourceSp = findServicePrincipal(tenant.id, rra.resourceAppId);
      if (!resource || !resourceSp) continue;
      const scopes = resource.scopes.filter((s) => rra.resourceAccess.some((a) => a.type === "Scope" && a.id === s.id));
      if (scopes.length) needed.push({ resource, resourceSp, scopes });
    }
  }
  const requiresAdmin = missing.some((m) => m.scopes.some((s) => s.type === "Admin"));
  return { clientSp, needed, missing, requiresAdmin };
}

/** Creates the client app's service principal in the tenant if it has none (what consent does first). */
function ensureClientServicePrincipal(tenant: Tenant, app: Application): ServicePrincipal {
  const existing = findServicePrincipal(tenant.id, app.appId);
  if (existing) return existing;
  const sp: ServicePrincipal = {
    id: newGuid(),
    appId: app.appId,
    tenantId: tenant.id,
    displayName: app.displayName,
    appOwnerOrganizationId: app.tenantId,
    servicePrincipalNames: [app.appId, ...app.identifierUris],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
    createdDateTime: sandboxDate().toISOString(),
  };
  getState().servicePrincipals.push(sp);
  return sp;
}

/** Adds scopes to the matching grant, or creates it, as the consent experience does. */
function upsertGrant(tenantId: string, clientSpId: string, resourceSpId: string, principalId: string | null, scopes: string[]): void {
  const state = getState();
  const consentType = principalId === null ? "AllPrincipals" : "Principal";
  const grant = state.oauth2PermissionGrants.find(
    (g) =>
      g.tenantId === tenantId &&
      g.clientId === clientSpId &&
      g.resourceId === resourceSpId &&
      g.consentType === consentType &&
      g.principalId === principalId,
  );
  if (grant) {
    const merged = new Set(grant.scope.split(" ").filter(Boolean));
    for (const s of scopes) merged.add(s);
    grant.scope = [...merged].join(" ");
  } else {
    state.oauth2PermissionGrants.push({
      id: newGuid(),
      tenantId,
      clientId: clientSpId,
      consentType,
      principalId,
      resourceId: resourceSpId,
      scope: scopes.join(" "),
    });
  }
}

/** Materialises consent: the client SP, then one grant per resource (tenant-wide when `orgWide`). */
export function applyConsent(tenant: Tenant, user: User, app: Application, needed: ConsentGap[], orgWide: boolean): ServicePrincipal {
  const clientSp = ensureClientServicePrincipal(tenant, app);
  for (const gap of needed) {
    upsertGrant(
      tenant.id,
      clientSp.id,
      gap.resourceSp.id,
      orgWide ? null : user.id,
      gap.scopes.map((s) => s.value),
    );
  }
  return clientSp;
}

/** Application permissions (`Role` entries of requiredResourceAccess) become app role assignments on admin consent. */
export function assignStaticAppRoles(tenant: Tenant, app: Application, clientSp: ServicePrincipal, origin: string): void {
  const state = getState();
  for (const rra of app.requiredResourceAccess) {
    const roles = rra.resourceAccess.filter((a) => a.type === "Role");
    if (roles.length === 0) continue;
    const resource = resourceByAppId(rra.resourceAppId, origin);
    const resourceSp = findServicePrincipal(tenant.id, rra.resourceAppId);
    if (!resource || !resourceSp) continue;
    for (const role of roles) {
      if (!resource.appRoles.some((r) => r.id === role.id)) continue;
      const exists = state.appRoleAssignments.some((a) => a.principalId === clientSp.id && a.resourceId === resourceSp.id && a.appRoleId === role.id);
      if (!exists) {
        state.appRoleAssignments.push({
          id: newGuid(),
          tenantId: tenant.id,
          principalId: clientSp.id,
          principalType: "ServicePrincipal",
          resourceId: resourceSp.id,
          appRoleId: role.id,
          createdDateTime: sandboxDate().toISOString(),
        });
      }
    }
  }
}

/** App role values assigned to `principalId` on `resourceSp`, resolved against the role definitions given. */
export function assignedRoleValues(principalId: string, resourceSpId: string, roles: { id: string; value: string }[]): string[] {
  const ids = new Set(
    getState()
      .appRoleAssignments.filter((a) => a.principalId === principalId && a.resourceId === resourceSpId)
      .map((a) => a.appRoleId),
  );
  return roles.filter((r) => ids.has(r.id)).map((r) => r.value);
}
