/**
 * `/oauth2PermissionGrants`: delegated consent (contract §2.6). `clientId`/`resourceId` are service-principal object
 * ids; scopes must be published by the resource; tenant-wide (AllPrincipals) consent needs an admin role. Graph
 * grant ids are opaque base64url strings, not GUIDs, and the sandbox mimics that so no client relies on GUID ids.
 */
import { randomBytes } from "node:crypto";
import type { EmuRequest, EmuResponse } from "../core/http";
import { getState } from "../core/store";
import type { OAuth2PermissionGrant } from "../core/state";
import { authenticateGraphCaller, CONSENT_ADMIN_ROLES, hasDirectoryRole, isResponse, PERMISSIONS, requirePermission, type GraphCaller } from "./auth";
import { entityResponse, listResponse } from "./collection";
import { findVisibleServicePrincipal, publishedPermissions } from "./directory";
import { accessDenied, badRequest, contextUrl, graphError, graphJson, graphNoContent, notFound, readJsonObject } from "./responses";

function grantView(g: OAuth2PermissionGrant): Record<string, unknown> {
  return { clientId: g.clientId, consentType: g.consentType, id: g.id, principalId: g.principalId, resourceId: g.resourceId, scope: g.scope };
}

function tenantGrants(tenantId: string): OAuth2PermissionGrant[] {
  return getState().oauth2PermissionGrants.filter((g) => g.tenantId === tenantId);
}

export async function listGrants(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readGrants);
  if (denied) return denied;
  return listResponse(req, tenantGrants(caller.tenant.id).map(grantView), {
    contextPath: "oauth2PermissionGrants",
    typeName: "microsoft.graph.oAuth2PermissionGrant",
  });
}

function findGrant(req: EmuRequest, caller: GraphCaller): OAuth2PermissionGrant | EmuResponse {
  const id = decodeURIComponent(req.params.id);
  return tenantGrants(caller.tenant.id).find((g) => g.id === id) ?? notFound(req, id);
}

export async function getGrant(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readGrants);
  if (denied) return denied;
  const grant = findGrant(req, caller);
  if (isResponse(grant)) return grant;
  return entityResponse(req, grantView(grant), "oauth2PermissionGrants");
}

/** Consent for every user needs an admin; a user may consent for themselves only. */
function mayWriteGrant(caller: GraphCaller, consentType: string, principalId: string | null): boolean {
  if (caller.kind === "application") return true;
  if (hasDirectoryRole(caller, CONSENT_ADMIN_ROLES)) return true;
  return consentType === "Principal" && principalId === caller.claims.oid;
}

function invalidScope(req: EmuRequest, scopes: string[], resourceId: string): EmuResponse | null {
  const sp = getState().servicePrincipals.find((s) => s.id === resourceId);
  const published = new Set((sp ? publishedPermissions(sp).scopes : []).map((s) => s.value.toLowerCase()));
  const unknown = scopes.find((s) => !published.has(s.toLowerCase()));
  return unknown ? badRequest(req, `Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.`) : null;
}

export async function createGrant(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeGrants);
  if (denied) return denied;
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const { clientId, consentType, principalId, resourceId, scope } = read.body;
  for (const [name, value] of [
    ["clientId", clientId],
    ["resourceId", resourceId],
    ["consentType", consentType],
  ] as const) {
    if (typeof value !== "string" || value === "")
      return badRequest(req, `Invalid value specified for property '${name}' of resource 'OAuth2PermissionGrant'.`);
  }
  if (consentType !== "AllPrincipals" && consentType !== "Principal") {
    return badRequest(req, "Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'.");
  }
  const principal = typeof principalId === "string" && principalId !== "" ? principalId.toLowerCase() : null;
  if (consentType === "Principal" && !principal) {
    return badRequest(req, "Invalid value specified for property 'principalId' of resource 'OAuth2PermissionGrant'.");
  }
  if (consentType === "AllPrincipals" && principal) {
    return badRequest(req, "Invalid value specified for property 'principalId' of resource 'OAuth2PermissionGrant'.");
  }
  if (!mayWriteGrant(caller, consentType, principal)) return accessDenied(req);
  // Both ends must be replicated service principals in this tenant (a just-created one reads as absent).
  const client = findVisibleServicePrincipal(caller.tenant.id, clientId as string);
  if (!client) return notFound(req, clientId as string);
  const resource = findVisibleServicePrincipal(caller.tenant.id, resourceId as string);
  if (!resource) return notFound(req, resourceId as string);
  if (principal && !getState().users.some((u) => u.id === principal && u.tenantId === caller.tenant.id)) return notFound(req, principal);
  const scopes = typeof scope === "string" ? scope.split(" ").filter(Boolean) : [];
  const bad = invalidScope(req, scopes, resource.id);
  if (bad) return bad;
  const duplicate = tenantGrants(caller.tenant.id).some(
    (g) => g.clientId === client.id && g.resourceId === resource.id && g.consentType === consentType && g.principalId === principal,
  );
  if (duplicate) {
    return graphError(req, 409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.");
  }
  const grant: OAuth2PermissionGrant = {
    id: randomBytes(32).toString("base64url").slice(0, 43),
    tenantId: caller.tenant.id,
    clientId: client.id,
    consentType,
    principalId: principal,
    resourceId: resource.id,
    scope: scopes.join(" "),
  };
  getState().oauth2PermissionGrants.push(grant);
  return graphJson(req, 201, { "@odata.context": contextUrl(req, "oauth2PermissionGrants/$entity"), ...grantView(grant) });
}

/** The checks every write to one grant makes, in Graph's order: token, permission, existence, the caller's rights. */
async function authorizeGrantWrite(req: EmuRequest): Promise<OAuth2PermissionGrant | EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeGrants);
  if (denied) return denied;
  const grant = findGrant(req, caller);
  if (isResponse(grant)) return grant;
  if (!mayWriteGrant(caller, grant.consentType, grant.principalId)) return accessDenied(req);
  return grant;
}

export async function updateGrant(req: EmuRequest): Promise<EmuResponse> {
  const grant = await authorizeGrantWrite(req);
  if (isResponse(grant)) return grant;
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const extra = Object.keys(read.body).find((k) => k !== "scope" && !k.startsWith("@odata."));
  if (extra) return badRequest(req, `Property '${extra}' is read-only and cannot be set.`);
  if (typeof read.body.scope !== "string")
    return badRequest(req, "Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'.");
  const scopes = read.body.scope.split(" ").filter(Boolean);
  const bad = invalidScope(req, scopes, grant.resourceId);
  if (bad) return bad;
  grant.scope = scopes.join(" ");
  return graphNoContent(req);
}

export async function deleteGrant(req: EmuRequest): Promise<EmuResponse> {
  const grant = await authorizeGrantWrite(req);
  if (isResponse(grant)) return grant;
  const state = getState();
  state.oauth2PermissionGrants = state.oauth2PermissionGrants.filter((g) => g !== grant);
  return graphNoContent(req);
}
