/**
 * App role assignments (Graph `appRoleAssignment`): a user or a client service principal holding an app role that a
 * resource service principal publishes. Read from both sides — `/servicePrincipals/{id}/appRoleAssignedTo` (who holds
 * the resource's roles), `/servicePrincipals/{id}/appRoleAssignments` and `/users/{id}/appRoleAssignments` (what a
 * principal holds) — and written with POST on either side, as Microsoft Graph v1.0 does. Assignments are what put the
 * `roles` claim in tokens (emulator/identity/token-issuer.ts).
 */
import { randomBytes } from "node:crypto";
import type { EmuRequest, EmuResponse } from "../core/http";
import { getState } from "../core/store";
import type { AppRoleAssignment, ServicePrincipal, User } from "../core/state";
import { DIRECTORY_ROLES } from "../core/state";
import {
  APP_ADMIN_ROLES,
  authenticateGraphCaller,
  hasDirectoryRole,
  isResponse,
  requirePermission,
  type GraphCaller,
  type Permissions,
} from "./auth";
import { listResponse } from "./collection";
import { findVisibleServicePrincipal, publishedPermissions } from "./directory";
import { accessDenied, badRequest, contextUrl, graphJson, graphNoContent, notFound, readJsonObject } from "./responses";
import { sandboxDate } from "../core/clock";

/** Reading assignments (Microsoft Graph permissions reference for appRoleAssignedTo / appRoleAssignments). */
const READ: Permissions = {
  delegated: [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
  ],
  application: [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
};
/** A user's own assignments are readable with User.Read (`/me/appRoleAssignments`). */
const READ_OWN: Permissions = { delegated: ["User.Read", ...READ.delegated], application: READ.application };
/** Granting needs AppRoleAssignment.ReadWrite.All (plus a read permission to resolve the objects, which it implies here). */
const WRITE: Permissions = { delegated: ["AppRoleAssignment.ReadWrite.All"], application: ["AppRoleAssignment.ReadWrite.All"] };
/** Directory roles that may grant app roles in delegated calls. */
const ASSIGN_ADMIN_ROLES = [...APP_ADMIN_ROLES, DIRECTORY_ROLES.privilegedRoleAdministrator];

function principalName(a: AppRoleAssignment): string | null {
  const state = getState();
  if (a.principalType === "User") return state.users.find((u) => u.id === a.principalId)?.displayName ?? null;
  return state.servicePrincipals.find((s) => s.id === a.principalId)?.displayName ?? null;
}

function appRoleAssignmentView(a: AppRoleAssignment): Record<string, unknown> {
  return {
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName: principalName(a),
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: getState().servicePrincipals.find((s) => s.id === a.resourceId)?.displayName ?? null,
    resourceId: a.resourceId,
  };
}

function tenantAssignments(tenantId: string): AppRoleAssignment[] {
  return getState().appRoleAssignments.filter((a) => a.tenantId === tenantId);
}

function findUser(tenantId: string, idOrUpn: string): User | undefined {
  const key = decodeURIComponent(idOrUpn).toLowerCase();
  return getState().users.find((u) => u.tenantId === tenantId && (u.id === key || u.userPrincipalName.toLowerCase() === key));
}

function list(req: EmuRequest, ownerPath: string, rows: AppRoleAssignment[]): EmuResponse {
  return listResponse(req, rows.map(appRoleAssignmentView), { contextPath: ownerPath, typeName: "microsoft.graph.appRoleAssignment" });
}

async function servicePrincipalFromPath(req: EmuRequest, perms: Permissions): Promise<{ caller: GraphCaller; sp: ServicePrincipal } | EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, perms);
  if (denied) return denied;
  const id = decodeURIComponent(req.params.id);
  const sp = findVisibleServicePrincipal(caller.tenant.id, id);
  return sp ? { caller, sp } : notFound(req, id);
}

/** GET /servicePrincipals/{id}/appRoleAssignedTo: who holds this resource's app roles. */
export async function listAppRoleAssignedTo(req: EmuRequest): Promise<EmuResponse> {
  const found = await servicePrincipalFromPath(req, READ);
  if (isResponse(found)) return found;
  const rows = tenantAssignments(found.caller.tenant.id).filter((a) => a.resourceId === found.sp.id);
  return list(req, `servicePrincipals('${found.sp.id}')/appRoleAssignedTo`, rows);
}

/** GET /servicePrincipals/{id}/appRoleAssignments: app roles this (client) service principal holds. */
export async function listServicePrincipalAppRoleAssignments(req: EmuRequest): Promise<EmuResponse> {
  const found = await servicePrincipalFromPath(req, READ);
  if (isResponse(found)) return found;
  const rows = tenantAssignments(found.caller.tenant.id).filter((a) => a.principalId === found.sp.id);
  return list(req, `servicePrincipals('${found.sp.id}')/appRoleAssignments`, rows);
}

/** GET /me/appRoleAssignments and /users/{id}/appRoleAssignments. */
export async function listUserAppRoleAssignments(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const user = req.params.user ? findUser(caller.tenant.id, req.params.user) : (caller.user ?? undefined);
  if (!req.params.user && !caller.user) return badRequest(req, "/me request is only valid with delegated authentication flow.");
  const denied = requirePermission(req, caller, user && user.id === caller.claims.oid ? READ_OWN : READ);
  if (denied) return denied;
  if (!user) return notFound(req, decodeURIComponent(req.params.user ?? ""));
  const rows = tenantAssignments(caller.tenant.id).filter((a) => a.principalId === user.id);
  return list(req, `users('${user.id}')/appRoleAssignments`, rows);
}

type Side = "resource" | "principal" | "user";

/**
 * POST on any side: `{principalId, resourceId, appRoleId}`. The path's object must be the resource
 * (`appRoleAssignedTo`) or the principal (`appRoleAssignments`); the role must be published by the resource and open
 * to the principal's kind; a second identical assignment is refused, as Graph does.
 */
async function createAssignment(req: EmuRequest, side: Side): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, WRITE);
  if (denied) return denied;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, ASSIGN_ADMIN_ROLES)) return accessDenied(req);
  const tenantId = caller.tenant.id;
  const pathId = decodeURIComponent(side === "user" ? req.params.user : req.params.id);
  const pathObject = side === "user" ? findUser(tenantId, pathId) : findVisibleServicePrincipal(tenantId, pathId);
  if (!pathObject) return notFound(req, pathId);
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const { principalId, resourceId, appRoleId } = read.body;
  for (const [name, value] of Object.entries({ principalId, resourceId, appRoleId })) {
    if (typeof value !== "string" || value === "")
      return badRequest(req, `Invalid value specified for property '${name}' of resource 'AppRoleAssignment'.`);
  }
  const pid = (principalId as string).toLowerCase();
  const rid = (resourceId as string).toLowerCase();
  const roleId = (appRoleId as string).toLowerCase();
  if (side === "resource" && rid !== pathObject.id)
    return badRequest(req, "The resourceId in the request body must match the service principal in the URL.");
  if (side !== "resource" && pid !== pathObject.id)
    return badRequest(req, "The principalId in the request body must match the principal in the URL.");
  const resource = findVisibleServicePrincipal(tenantId, rid);
  if (!resource) return notFound(req, rid);
  const user = getState().users.find((u) => u.tenantId === tenantId && u.id === pid);
  const principalSp = user ? undefined : findVisibleServicePrincipal(tenantId, pid);
  if (!user && !principalSp) return notFound(req, pid);
  const principalType = user ? "User" : "ServicePrincipal";
  const role = publishedPermissions(resource).appRoles.find((r) => r.id.toLowerCase() === roleId && r.isEnabled);
  const memberType = user ? "User" : "Application";
  if (!role || !role.allowedMemberTypes.includes(memberType)) {
    return badRequest(req, `Permission being assigned was not found on application '${resource.appId}'.`);
  }
  const state = getState();
  if (state.appRoleAssignments.some((a) => a.principalId === pid && a.resourceId === rid && a.appRoleId === role.id)) {
    return badRequest(req, "Permission being assigned already exists on the object.");
  }
  const assignment: AppRoleAssignment = {
    // Graph's assignment ids are opaque base64url strings, not GUIDs.
    id: randomBytes(32).toString("base64url").slice(0, 43),
    tenantId,
    principalId: pid,
    principalType,
    resourceId: rid,
    appRoleId: role.id,
    createdDateTime: sandboxDate().toISOString(),
  };
  state.appRoleAssignments.push(assignment);
  const owner =
    side === "resource"
      ? `servicePrincipals('${rid}')/appRoleAssignedTo`
      : side === "user"
        ? `users('${pid}')/appRoleAssignments`
        : `servicePrincipals('${pid}')/appRoleAssignments`;
  return graphJson(req, 201, { "@odata.context": contextUrl(req, `${owner}/$entity`), ...appRoleAssignmentView(assignment) });
}

export const createAppRoleAssignedTo = (req: EmuRequest) => createAssignment(req, "resource");
export const createServicePrincipalAppRoleAssignment = (req: EmuRequest) => createAssignment(req, "principal");
export const createUserAppRoleAssignment = (req: EmuRequest) => createAssignment(req, "user");

/** DELETE /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId} (or appRoleAssignments/{id}, users/{id}/appRoleAssignments/{id}). */
export async function deleteAppRoleAssignment(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, WRITE);
  if (denied) return denied;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, ASSIGN_ADMIN_ROLES)) return accessDenied(req);
  const ownerId = decodeURIComponent(req.params.id ?? req.params.user ?? "").toLowerCase();
  const owner = req.params.user ? findUser(caller.tenant.id, ownerId) : findVisibleServicePrincipal(caller.tenant.id, ownerId);
  if (!owner) return notFound(req, ownerId);
  const assignmentId = decodeURIComponent(req.params.assignment);
  const state = getState();
  const match = tenantAssignments(caller.tenant.id).find((a) => a.id === assignmentId && (a.resourceId === owner.id || a.principalId === owner.id));
  if (!match) return notFound(req, assignmentId);
  state.appRoleAssignments = state.appRoleAssignments.filter((a) => a !== match);
  return graphNoContent(req);
}
