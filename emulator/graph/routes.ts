/**
 * Microsoft Graph routes served under `{origin}/graph/{v1.0|beta}/...`. Actions may be addressed by their short name
 * (`addPassword`) or fully qualified (`microsoft.graph.addPassword`), as Graph accepts both.
 */
import type { EmuRequest, EmuResponse, Route } from "../core/http";
import {
  addPassword,
  createApplication,
  deleteApplication,
  getApplication,
  listApplications,
  removePassword,
  updateApplication,
} from "./applications";
import { addKey, removeKey } from "./application-keys";
import {
  createAppRoleAssignedTo,
  createServicePrincipalAppRoleAssignment,
  createUserAppRoleAssignment,
  deleteAppRoleAssignment,
  listAppRoleAssignedTo,
  listServicePrincipalAppRoleAssignments,
  listUserAppRoleAssignments,
} from "./app-role-assignments";
import { createGrant, deleteGrant, getGrant, listGrants, updateGrant } from "./permission-grants";
import { getDeletedItem, listDeletedApplications } from "./deleted-items";
import { getDefaultAppManagementPolicy } from "./policies";
import { listConditionalAccessPolicies } from "./conditional-access";
import { graphError } from "./responses";
import { listDirectoryAudits } from "./directory-audits";
import { createServicePrincipal, deleteServicePrincipal, getServicePrincipal, listServicePrincipals } from "./service-principals";
import {
  getAuthenticationRequirements,
  getMe,
  getSecurityDefaults,
  getUser,
  listMemberOf,
  listOrganization,
  listRoleAssignments,
  listMyRoleEligibilityInstances,
  updateAuthenticationRequirements,
  updateSecurityDefaults,
  revokeSignInSessions,
} from "./users";

const V = String.raw`^/graph/(?<ver>v1\.0|beta)`;
/** `/{id}` or `(appId='…')` after an entity set. */
const KEY = String.raw`(?:/(?<id>[^/()]+)|\((?<key>[^)]*)\))`;
const ACTION = (name: string) => String.raw`/(?:microsoft\.graph\.)?${name}/?$`;

function route(method: string, pattern: string, handle: (req: EmuRequest) => Promise<EmuResponse>): Route {
  return { service: "graph", method, pattern: new RegExp(pattern, "i"), handle };
}

export const routes: Route[] = [
  route("GET", `${V}/applications/?$`, listApplications),
  route("POST", `${V}/applications/?$`, createApplication),
  route("POST", `${V}/applications${KEY}${ACTION("addPassword")}`, addPassword),
  route("POST", `${V}/applications${KEY}${ACTION("removePassword")}`, removePassword),
  route("POST", `${V}/applications${KEY}${ACTION("addKey")}`, addKey),
  route("POST", `${V}/applications${KEY}${ACTION("removeKey")}`, removeKey),
  route("GET", `${V}/applications${KEY}/?$`, getApplication),
  route("PATCH", `${V}/applications${KEY}/?$`, updateApplication),
  route("DELETE", `${V}/applications${KEY}/?$`, deleteApplication),

  route("GET", `${V}/servicePrincipals/?$`, listServicePrincipals),
  route("POST", `${V}/servicePrincipals/?$`, createServicePrincipal),
  route("GET", `${V}/servicePrincipals/(?<id>[^/()]+)/appRoleAssignedTo/?$`, listAppRoleAssignedTo),
  route("POST", `${V}/servicePrincipals/(?<id>[^/()]+)/appRoleAssignedTo/?$`, createAppRoleAssignedTo),
  route("DELETE", `${V}/servicePrincipals/(?<id>[^/()]+)/appRoleAssignedTo/(?<assignment>[^/]+)/?$`, deleteAppRoleAssignment),
  route("GET", `${V}/servicePrincipals/(?<id>[^/()]+)/appRoleAssignments/?$`, listServicePrincipalAppRoleAssignments),
  route("POST", `${V}/servicePrincipals/(?<id>[^/()]+)/appRoleAssignments/?$`, createServicePrincipalAppRoleAssignment),
  route("DELETE", `${V}/servicePrincipals/(?<id>[^/()]+)/appRoleAssignments/(?<assignment>[^/]+)/?$`, deleteAppRoleAssignment),
  route("GET", `${V}/servicePrincipals${KEY}/?$`, getServicePrincipal),
  route("DELETE", `${V}/servicePrincipals${KEY}/?$`, deleteServicePrincipal),

  route("GET", `${V}/oauth2PermissionGrants/?$`, listGrants),
  route("POST", `${V}/oauth2PermissionGrants/?$`, createGrant),
  route("GET", `${V}/oauth2PermissionGrants/(?<id>[^/]+)/?$`, getGrant),
  route("PATCH", `${V}/oauth2PermissionGrants/(?<id>[^/]+)/?$`, updateGrant),
  route("DELETE", `${V}/oauth2PermissionGrants/(?<id>[^/]+)/?$`, deleteGrant),

  route("GET", `${V}/me/?$`, getMe),
  route("GET", `${V}/me/appRoleAssignments/?$`, listUserAppRoleAssignments),
  route("GET", `${V}/users/(?<user>[^/]+)/appRoleAssignments/?$`, listUserAppRoleAssignments),
  route("POST", `${V}/users/(?<user>[^/]+)/appRoleAssignments/?$`, createUserAppRoleAssignment),
  route("DELETE", `${V}/users/(?<user>[^/]+)/appRoleAssignments/(?<assignment>[^/]+)/?$`, deleteAppRoleAssignment),
  route("GET", `${V}/me/(?<rel>transitiveMemberOf|memberOf)(?:/(?<cast>microsoft\.graph\.(?:directoryRole|group)))?/?$`, listMemberOf),
  route(
    "GET",
    `${V}/users/(?<user>[^/]+)/(?<rel>transitiveMemberOf|memberOf)(?:/(?<cast>microsoft\.graph\.(?:directoryRole|group)))?/?$`,
    listMemberOf,
  ),
  route("GET", `${V}/users/(?<user>[^/]+)/authentication/requirements/?$`, getAuthenticationRequirements),
  route("PATCH", `${V}/users/(?<user>[^/]+)/authentication/requirements/?$`, updateAuthenticationRequirements),
  route("GET", `${V}/users/(?<user>[^/]+)/?$`, getUser),
  route("POST", `${V}/users/(?<user>[^/]+)/revokeSignInSessions/?$`, revokeSignInSessions),
  route("GET", `${V}/organization/?$`, listOrganization),
  route("GET", `${V}/roleManagement/directory/roleAssignments/?$`, listRoleAssignments),
  route(
    "GET",
    `${V}/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser\\(on='(?<on>[^']*)'\\)/?$`,
    listMyRoleEligibilityInstances,
  ),
  route("GET", `${V}/policies/identitySecurityDefaultsEnforcementPolicy/?$`, getSecurityDefaults),
  route("GET", `${V}/policies/defaultAppManagementPolicy/?$`, getDefaultAppManagementPolicy),
  route("GET", `${V}/identity/conditionalAccess/policies/?$`, listConditionalAccessPolicies),
  route("GET", `${V}/directory/deletedItems/microsoft\.graph\.application/?$`, listDeletedApplications),
  route("GET", `${V}/directory/deletedItems/(?<id>[^/()]+)/?$`, getDeletedItem),
  route("PATCH", `${V}/policies/identitySecurityDefaultsEnforcementPolicy/?$`, updateSecurityDefaults),
  route("GET", `${V}/auditLogs/directoryAudits/?$`, listDirectoryAudits),

  // A first segment Graph does not serve is its 400 "Resource not found for the segment"; a wrong method on a
  // served segment falls through to the server's 405.
  route(
    "*",
    `${V}/(?!(?:applications|servicePrincipals|oauth2PermissionGrants|me|users|organization|roleManagement|policies|directory|auditLogs)(?:[/(]|$))(?<rest>.*)$`,
    async (req) => {
      const segment = req.params.rest.split(/[/?(]/)[0];
      return graphError(req, 400, "BadRequest", `Resource not found for the segment '${segment}'.`);
    },
  ),
];
