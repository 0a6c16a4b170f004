/**
 * `/servicePrincipals` (contract §2.5). Creating one needs a backing application the tenant can see: its own
 * (replicated) app, a multi-tenant app from elsewhere, or a Microsoft first-party resource. Anything else — including
 * an app created a moment ago that has not replicated yet — is Graph's 400 `NoBackingApplicationObject`.
 */
import { recordDirectoryAudit } from "./directory-audits";
import type { EmuRequest, EmuResponse } from "../core/http";
import { getState, isStillReplicating, newGuid } from "../core/store";
import type { ServicePrincipal } from "../core/state";
import { APP_ADMIN_ROLES, authenticateGraphCaller, hasDirectoryRole, isResponse, PERMISSIONS, requirePermission } from "./auth";
import { entityResponse, listResponse } from "./collection";
import { findBackingApplication, findVisibleServicePrincipal, publishedPermissions, visibleServicePrincipals } from "./directory";
import { findFirstPartyResource, MICROSOFT_SERVICES_TENANT_ID } from "./first-party";
import { accessDenied, badRequest, contextUrl, graphError, graphJson, graphNoContent, notFound, readJsonObject } from "./responses";
import { sandboxDate } from "../core/clock";

function servicePrincipalView(sp: ServicePrincipal): Record<string, unknown> {
  const app = findBackingApplication(sp.appId);
  const { scopes, appRoles } = publishedPermissions(sp);
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    alternativeNames: [],
    appDisplayName: findFirstPartyResource(sp.appId)?.displayName ?? app?.displayName ?? sp.displayName,
    appDescription: null,
    appId: sp.appId,
    applicationTemplateId: null,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: sp.appRoleAssignmentRequired,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: sp.displayName,
    homepage: null,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: app ? [...app.web.redirectUris, ...app.publicClient.redirectUris, ...app.spa.redirectUris] : [],
    servicePrincipalNames: sp.servicePrincipalNames,
    servicePrincipalType: "Application",
    signInAudience: app?.signInAudience ?? "AzureADMultipleOrgs",
    tags: sp.tags,
    tokenEncryptionKeyId: null,
    samlSingleSignOnSettings: null,
    addIns: [],
    appRoles,
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    keyCredentials: [],
    oauth2PermissionScopes: scopes,
    passwordCredentials: [],
    resourceSpecificApplicationPermissions: [],
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
}

export async function listServicePrincipals(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readApplications);
  if (denied) return denied;
  const views = visibleServicePrincipals(caller.tenant.id).map(servicePrincipalView);
  return listResponse(req, views, { contextPath: "servicePrincipals", typeName: "microsoft.graph.servicePrincipal" });
}

function resolveServicePrincipal(req: EmuRequest, tenantId: string): ServicePrincipal | EmuResponse {
  const { id, key } = req.params;
  if (id) return findVisibleServicePrincipal(tenantId, decodeURIComponent(id)) ?? notFound(req, decodeURIComponent(id));
  const m = /^appId=(?:'([^']*)'|([0-9a-fA-F-]{36}))$/i.exec(decodeURIComponent(key ?? ""));
  if (!m) return badRequest(req, `Invalid object identifier '${decodeURIComponent(key ?? "")}'.`);
  const appId = (m[1] ?? m[2]).toLowerCase();
  return visibleServicePrincipals(tenantId).find((s) => s.appId === appId) ?? notFound(req, appId);
}

export async function getServicePrincipal(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readApplications);
  if (denied) return denied;
  const sp = resolveServicePrincipal(req, caller.tenant.id);
  if (isResponse(sp)) return sp;
  return entityResponse(req, servicePrincipalView(sp), "servicePrincipals");
}

export async function createServicePrincipal(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeApplications);
  if (denied) return denied;
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const { appId: rawAppId, tags, accountEnabled, appRoleAssignmentRequired } = read.body;
  if (typeof rawAppId !== "string" || rawAppId === "") {
    return badRequest(req, "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.");
  }
  const appId = rawAppId.toLowerCase();
  const state = getState();
  const tenantId = caller.tenant.id;
  const noBacking = () => {
    const message = `The appId '${rawAppId}' of the service principal does not reference a valid application object.`;
    return badRequest(req, message, [{ code: "NoBackingApplicationObject", message, target: "appId" }]);
  };
  const firstParty = findFirstPartyResource(appId);
  const app = findBackingApplication(appId);
  if (!firstParty) {
    if (!app) return noBacking();
    const isHome = app.tenantId === tenantId;
    // The home tenant's replica may not know the app yet; other tenants can only use multi-tenant apps.
    if (isHome && isStillReplicating(app.createdDateTime)) return noBacking();
    if (!isHome && app.signInAudience === "AzureADMyOrg") return noBacking();
  }
  if (state.servicePrincipals.some((s) => s.tenantId === tenantId && s.appId === appId)) {
    return graphError(
      req,
      409,
      "Request_MultipleObjectsWithSameKeyValue",
      "The service principal cannot be created, updated, or restored because the service principal name " + appId + " is already in use.",
    );
  }
  if (caller.kind === "delegated") {
    const owns = app !== undefined && app.tenantId === tenantId && (app.ownerIds ?? []).includes(caller.claims.oid);
    if (!owns && !hasDirectoryRole(caller, APP_ADMIN_ROLES)) return accessDenied(req);
  } else if (!caller.permissions.has("application.readwrite.all")) {
    const owns = app !== undefined && app.tenantId === tenantId && (app.ownerIds ?? []).includes(caller.claims.oid);
    if (!owns) return accessDenied(req);
  }
  const sp: ServicePrincipal = {
    id: newGuid(),
    appId,
    tenantId,
    displayName: firstParty?.displayName ?? app!.displayName,
    appOwnerOrganizationId: firstParty ? MICROSOFT_SERVICES_TENANT_ID : app!.tenantId,
    servicePrincipalNames: firstParty
      ? [...new Set([appId, ...firstParty.identifierUris.filter((u) => u.startsWith("http"))])]
      : [appId, ...app!.identifierUris],
    accountEnabled: typeof accountEnabled === "boolean" ? accountEnabled : true,
    appRoleAssignmentRequired: typeof appRoleAssignmentRequired === "boolean" ? appRoleAssignmentRequired : false,
    tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [],
    createdDateTime: sandboxDate().toISOString(),
  };
  state.servicePrincipals.push(sp);
  return graphJson(req, 201, { "@odata.context": contextUrl(req, "servicePrincipals/$entity"), ...servicePrincipalView(sp) });
}

export async function deleteServicePrincipal(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeApplications);
  if (denied) return denied;
  const sp = resolveServicePrincipal(req, caller.tenant.id);
  if (isResponse(sp)) return sp;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, APP_ADMIN_ROLES)) {
    const app = findBackingApplication(sp.appId);
    if (!app || !(app.ownerIds ?? []).includes(caller.claims.oid)) return accessDenied(req);
  }
  const state = getState();
  state.servicePrincipals = state.servicePrincipals.filter((s) => s.id !== sp.id);
  state.oauth2PermissionGrants = state.oauth2PermissionGrants.filter((g) => g.clientId !== sp.id && g.resourceId !== sp.id);
  state.appRoleAssignments = state.appRoleAssignments.filter((a) => a.principalId !== sp.id && a.resourceId !== sp.id);
  recordDirectoryAudit(caller, {
    activity: "Remove service principal",
    operationType: "Delete",
    target: { id: sp.id, displayName: sp.displayName, type: "ServicePrincipal" },
  });
  return graphNoContent(req);
}
