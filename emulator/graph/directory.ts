/**
 * Reads of the directory as Graph sees it: scoped to one tenant and blind to objects that are still replicating
 * (Entra is eventually consistent; right after a create, reads by id answer 404 and filters miss the object).
 */
import { getState, isStillReplicating } from "../core/store";
import type { Application, AppRole, PermissionScope, ServicePrincipal } from "../core/state";
import { findFirstPartyResource } from "./first-party";

export function visibleApplications(tenantId: string): Application[] {
  return getState().applications.filter((a) => a.tenantId === tenantId && !isStillReplicating(a.createdDateTime));
}

export function findVisibleApplication(tenantId: string, by: { id?: string; appId?: string }): Application | undefined {
  const id = by.id?.toLowerCase();
  const appId = by.appId?.toLowerCase();
  return visibleApplications(tenantId).find((a) => (id !== undefined ? a.id === id : a.appId === appId));
}

export function visibleServicePrincipals(tenantId: string): ServicePrincipal[] {
  return getState().servicePrincipals.filter((s) => s.tenantId === tenantId && !isStillReplicating(s.createdDateTime));
}

export function findVisibleServicePrincipal(tenantId: string, id: string): ServicePrincipal | undefined {
  const lower = id.toLowerCase();
  return visibleServicePrincipals(tenantId).find((s) => s.id === lower);
}

/** The application object behind a service principal, wherever its home tenant is (multi-tenant apps). */
export function findBackingApplication(appId: string): Application | undefined {
  const lower = appId.toLowerCase();
  return getState().applications.find((a) => a.appId === lower);
}

/** Delegated scopes and app roles a resource service principal publishes. */
export function publishedPermissions(sp: ServicePrincipal): { scopes: PermissionScope[]; appRoles: AppRole[] } {
  const firstParty = findFirstPartyResource(sp.appId);
  if (firstParty) return { scopes: firstParty.oauth2PermissionScopes, appRoles: firstParty.appRoles };
  const app = findBackingApplication(sp.appId);
  return { scopes: app?.api.oauth2PermissionScopes ?? [], appRoles: app?.appRoles ?? [] };
}
