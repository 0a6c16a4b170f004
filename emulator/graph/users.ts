/**
 * The signed-in user and tenant checks the portal runs before provisioning (contract §2.7–2.9): `/me`, `/users/{id}`,
 * `/organization`, directory-role membership, role assignments, per-user MFA state (beta) and security defaults.
 */
import { createHash } from "node:crypto";
import type { EmuRequest, EmuResponse } from "../core/http";
import { getState } from "../core/store";
import { sandboxDate } from "../core/clock";
import { effectiveDirectoryRoles, groupsOf } from "../core/directory-roles";
import { DIRECTORY_ROLES, type Group, type PerUserMfaState, type Tenant, type User } from "../core/state";
import { applySelect, parseSelect, queryOption } from "../core/odata";
import {
  authenticateGraphCaller,
  AUTHENTICATION_ADMIN_ROLE,
  CONDITIONAL_ACCESS_ADMIN_ROLE,
  hasDirectoryRole,
  isResponse,
  PERMISSIONS,
  PRIVILEGED_AUTHENTICATION_ADMIN_ROLE,
  requirePermission,
  SECURITY_ADMIN_ROLE,
  type GraphCaller,
  type Permissions,
} from "./auth";
import { isAdvancedQuery, listResponse } from "./collection";
import { accessDenied, badRequest, contextUrl, graphError, graphJson, graphNoContent, notFound, readJsonObject } from "./responses";

const ROLE_NAMES: Record<string, { displayName: string; description: string }> = {
  [DIRECTORY_ROLES.globalAdministrator]: {
    displayName: "Global Administrator",
    description: "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
  },
  [DIRECTORY_ROLES.dynamics365Administrator]: {
    displayName: "Dynamics 365 Administrator",
    description: "Can manage all aspects of the Dynamics 365 product.",
  },
  [DIRECTORY_ROLES.powerPlatformAdministrator]: {
    displayName: "Power Platform Administrator",
    description: "Can create and manage all aspects of Microsoft Dynamics 365, Power Apps and Power Automate.",
  },
  [DIRECTORY_ROLES.applicationAdministrator]: {
    displayName: "Application Administrator",
    description: "Can create and manage all aspects of app registrations and enterprise apps.",
  },
  [DIRECTORY_ROLES.cloudApplicationAdministrator]: {
    displayName: "Cloud Application Administrator",
    description: "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
  },
  [DIRECTORY_ROLES.privilegedRoleAdministrator]: {
    displayName: "Privileged Role Administrator",
    description: "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
  },
  [DIRECTORY_ROLES.globalReader]: {
    displayName: "Global Reader",
    description: "Can read everything that a Global Administrator can, but not update anything.",
  },
  [DIRECTORY_ROLES.authenticationPolicyAdministrator]: {
    displayName: "Authentication Policy Administrator",
    description:
      "Can create and manage the authentication methods policy, tenant-wide MFA settings, password protection policy, and verifiable credentials.",
  },
  [SECURITY_ADMIN_ROLE]: {
    displayName: "Security Administrator",
    description: "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
  },
  [CONDITIONAL_ACCESS_ADMIN_ROLE]: { displayName: "Conditional Access Administrator", description: "Can manage Conditional Access capabilities." },
  [AUTHENTICATION_ADMIN_ROLE]: {
    displayName: "Authentication Administrator",
    description: "Can access to view, set and reset authentication method information for any non-admin user.",
  },
  [PRIVILEGED_AUTHENTICATION_ADMIN_ROLE]: {
    displayName: "Privileged Authentication Administrator",
    description: "Can access to view, set and reset authentication method information for any user (admin or non-admin).",
  },
};

/** Activated directory roles have a tenant-specific object id; derive it so it is stable across reads. */
function deterministicGuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("|")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Graph's full user resource (the subset the sandbox knows); `/me` without `$select` returns the default set. */
function userView(u: User): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: "en-US",
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    userType: u.homeUserId ? "Guest" : "Member",
    usageLocation: null,
    mailNickname: u.userPrincipalName.split("@")[0],
    onPremisesSyncEnabled: null,
    createdDateTime: null,
  };
}

const DEFAULT_USER_PROPERTIES = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
];

function userResponse(req: EmuRequest, user: User): EmuResponse {
  const select = parseSelect(queryOption(req.url, "select"));
  const view = userView(user);
  const ordered = select ? applySelect(view, select) : Object.fromEntries(DEFAULT_USER_PROPERTIES.map((k) => [k, view[k]]));
  const context = contextUrl(req, select ? `users(${select.join(",")})/$entity` : "users/$entity");
  return graphJson(req, 200, { "@odata.context": context, ...ordered });
}

async function delegatedCaller(req: EmuRequest): Promise<GraphCaller | EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  if (caller.kind !== "delegated" || !caller.user) {
    return graphError(req, 400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  }
  return caller;
}

export async function getMe(req: EmuRequest): Promise<EmuResponse> {
  const caller = await delegatedCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readMe);
  if (denied) return denied;
  return userResponse(req, caller.user!);
}

function findUser(tenantId: string, idOrUpn: string): User | undefined {
  const key = decodeURIComponent(idOrUpn).toLowerCase();
  return getState().users.find((u) => u.tenantId === tenantId && (u.id === key || u.userPrincipalName.toLowerCase() === key));
}

export async function getUser(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const user = findUser(caller.tenant.id, req.params.user);
  const isSelf = user !== undefined && user.id === caller.claims.oid;
  const denied = requirePermission(req, caller, isSelf ? PERMISSIONS.readMe : PERMISSIONS.readUsers);
  if (denied) return denied;
  if (!user) return notFound(req, decodeURIComponent(req.params.user));
  return userResponse(req, user);
}

function organizationView(t: Tenant): Record<string, unknown> {
  return {
    id: t.id,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: t.countryLetterCode,
    createdDateTime: null,
    defaultUsageLocation: null,
    displayName: t.displayName,
    isMultipleDataLocationsForServicesEnabled: null,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    partnerTenantType: null,
    postalCode: null,
    preferredLanguage: "en",
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: null,
    street: null,
    technicalNotificationMails: [],
    tenantType: "AAD",
    directorySizeQuota: { used: getState().users.filter((u) => u.tenantId === t.id).length, total: 50000 },
    assignedPlans: [],
    onPremisesSyncStatus: [],
    privacyProfile: null,
    provisionedPlans: [],
    verifiedDomains: t.domains.map((name, i) => ({
      capabilities: i === 0 ? "Email, OfficeCommunicationsOnline" : "Email",
      isDefault: i === 0,
      isInitial: i === 0,
      name,
      type: "Managed",
    })),
  };
}

export async function listOrganization(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readOrganization);
  if (denied) return denied;
  return listResponse(req, [organizationView(caller.tenant)], { contextPath: "organization", typeName: "microsoft.graph.organization" });
}

function directoryRoleObjects(templateIds: string[], tenantId: string): Record<string, unknown>[] {
  return templateIds.map((templateId) => ({
    "@odata.type": "#microsoft.graph.directoryRole",
    id: deterministicGuid(tenantId, "directoryRole", templateId),
    deletedDateTime: null,
    description: ROLE_NAMES[templateId]?.description ?? null,
    displayName: ROLE_NAMES[templateId]?.displayName ?? templateId,
    roleTemplateId: templateId,
  }));
}

function groupObject(g: Group): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.group",
    id: g.id,
    deletedDateTime: null,
    displayName: g.displayName,
    description: null,
    groupTypes: [],
    isAssignableToRole: g.isAssignableToRole,
    mail: null,
    mailEnabled: false,
    securityEnabled: true,
  };
}

/**
 * `/me/memberOf` (direct: groups and directly held roles) and `/me/transitiveMemberOf` (also the roles held through
 * role-assignable groups), and their `microsoft.graph.directoryRole` / `microsoft.graph.group` casts.
 */
export async function listMemberOf(req: EmuRequest): Promise<EmuResponse> {
  const caller = req.params.user ? await authenticateGraphCaller(req) : await delegatedCaller(req);
  if (isResponse(caller)) return caller;
  const user = req.params.user ? findUser(caller.tenant.id, req.params.user) : caller.user!;
  const denied = requirePermission(req, caller, user?.id === caller.claims.oid ? PERMISSIONS.readMemberOf : PERMISSIONS.readUsers);
  if (denied) return denied;
  if (!user) return notFound(req, decodeURIComponent(req.params.user));
  const transitive = req.params.rel.toLowerCase() === "transitivememberof";
  const roleIds = transitive ? effectiveDirectoryRoles(user) : user.directoryRoleTemplateIds;
  const objects = [...groupsOf(user).map(groupObject), ...directoryRoleObjects(roleIds, caller.tenant.id)];
  const cast = req.params.cast?.toLowerCase();
  if (!cast) return listResponse(req, objects, { contextPath: "directoryObjects", typeName: "microsoft.graph.directoryObject" });
  // Microsoft lists OData casts on directory objects among the advanced queries, and public Graph SDK threads show them
  // failing without the advanced parameters; the sandbox is the strict case so no caller comes to depend on leniency.
  // The wording follows Graph's documented answer to `$search` without the header (the cast's own is undocumented).
  if (!isAdvancedQuery(req)) {
    return graphError(
      req,
      400,
      "Request_UnsupportedQuery",
      "Request with an OData cast only works through MSGraph with a special request header: 'ConsistencyLevel: eventual' and the query parameter '$count=true'",
    );
  }
  const type = cast === "microsoft.graph.group" ? "#microsoft.graph.group" : "#microsoft.graph.directoryRole";
  const matching = objects.filter((o) => o["@odata.type"] === type).map(({ ["@odata.type"]: _t, ...rest }) => rest);
  return listResponse(req, matching, {
    contextPath: type === "#microsoft.graph.group" ? "groups" : "directoryRoles",
    typeName: "microsoft.graph.directoryObject",
  });
}

export async function listRoleAssignments(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readRoleAssignments);
  if (denied) return denied;
  // Roles held through a role-assignable group are assigned to the group: its id is the assignment's principalId.
  const principals: { id: string; roles: string[] }[] = [
    ...getState()
      .users.filter((u) => u.tenantId === caller.tenant.id)
      .map((u) => ({ id: u.id, roles: u.directoryRoleTemplateIds })),
    ...(getState().groups ?? [])
      .filter((g) => g.tenantId === caller.tenant.id && g.isAssignableToRole)
      .map((g) => ({ id: g.id, roles: g.directoryRoleTemplateIds })),
  ];
  const assignments = principals.flatMap((p) =>
    p.roles.map((roleDefinitionId) => ({
      id: Buffer.from(`${roleDefinitionId}|${p.id}`).toString("base64url").slice(0, 43) + "-1",
      principalId: p.id,
      roleDefinitionId,
      directoryScopeId: "/",
    })),
  );
  return listResponse(req, assignments, {
    contextPath: "roleManagement/directory/roleAssignments",
    typeName: "microsoft.graph.unifiedRoleAssignment",
  });
}

/**
 * `GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`: the roles the
 * signed-in user may activate in Privileged Identity Management (the portal's "My roles"), for built-in roles with
 * `roleDefinitionId` = the role template id, scoped to the whole directory.
 */
export async function listMyRoleEligibilityInstances(req: EmuRequest): Promise<EmuResponse> {
  const caller = await delegatedCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readRoleEligibility);
  if (denied) return denied;
  if (req.params.on !== "principal") {
    return graphError(req, 400, "BadRequest", `The value '${req.params.on}' is not valid for the parameter 'on'.`);
  }
  const user = caller.user!;
  const instances = (user.eligibleDirectoryRoleTemplateIds ?? []).map((roleDefinitionId) => ({
    "@odata.type": "#microsoft.graph.unifiedRoleEligibilityScheduleInstance",
    id: Buffer.from(`${roleDefinitionId}|${user.id}`).toString("base64url").slice(0, 43) + "-1-e",
    principalId: user.id,
    roleDefinitionId,
    directoryScopeId: "/",
    appScopeId: null,
    startDateTime: "2026-01-01T00:00:00Z",
    endDateTime: null,
    memberType: "Direct",
    roleEligibilityScheduleId: deterministicGuid(caller.tenant.id, "roleEligibilitySchedule", `${roleDefinitionId}|${user.id}`),
  }));
  return listResponse(req, instances, {
    contextPath: "Collection(unifiedRoleEligibilityScheduleInstance)",
    typeName: "microsoft.graph.unifiedRoleEligibilityScheduleInstance",
  });
}

const MFA_STATES: PerUserMfaState[] = ["disabled", "enabled", "enforced"];
const AUTH_ADMIN_ROLES = [DIRECTORY_ROLES.globalAdministrator, AUTHENTICATION_ADMIN_ROLE, PRIVILEGED_AUTHENTICATION_ADMIN_ROLE];
/**
 * Reading another user's per-user MFA state also needs a directory role: at least Global Reader or Authentication
 * Policy Administrator (or an authentication admin role, or Global Administrator).
 */
const MFA_READER_ROLES = [...AUTH_ADMIN_ROLES, DIRECTORY_ROLES.globalReader, DIRECTORY_ROLES.authenticationPolicyAdministrator];

export async function getAuthenticationRequirements(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const user = findUser(caller.tenant.id, req.params.user);
  const isSelf = user?.id === caller.claims.oid;
  if (!isSelf) {
    const denied = requirePermission(req, caller, PERMISSIONS.readAuthRequirements);
    if (denied) return denied;
    if (caller.kind === "delegated" && !hasDirectoryRole(caller, MFA_READER_ROLES)) return accessDenied(req);
  }
  if (!user) return notFound(req, decodeURIComponent(req.params.user));
  return graphJson(req, 200, {
    "@odata.context": `${contextUrl(req, `users('${user.id}')/authentication/requirements/$entity`)}`,
    perUserMfaState: user.perUserMfaState,
  });
}

export async function updateAuthenticationRequirements(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeAuthRequirements);
  if (denied) return denied;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, AUTH_ADMIN_ROLES)) return accessDenied(req);
  const user = findUser(caller.tenant.id, req.params.user);
  if (!user) return notFound(req, decodeURIComponent(req.params.user));
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const value = read.body.perUserMfaState;
  if (!MFA_STATES.includes(value as PerUserMfaState)) return badRequest(req, "Invalid value specified for property 'perUserMfaState'.");
  user.perUserMfaState = value as PerUserMfaState;
  return graphNoContent(req);
}

function securityDefaultsView(req: EmuRequest, t: Tenant): Record<string, unknown> {
  return {
    "@odata.context": contextUrl(req, "policies/identitySecurityDefaultsEnforcementPolicy/$entity"),
    id: "00000000-0000-0000-0000-000000000005",
    displayName: "Security Defaults",
    description:
      "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
    isEnabled: t.securityDefaultsEnabled,
  };
}

export async function getSecurityDefaults(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readPolicies);
  if (denied) return denied;
  const select = parseSelect(queryOption(req.url, "select"));
  return graphJson(req, 200, applySelect(securityDefaultsView(req, caller.tenant), select));
}

export async function updateSecurityDefaults(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeSecurityDefaults);
  if (denied) return denied;
  if (
    caller.kind === "delegated" &&
    !hasDirectoryRole(caller, [DIRECTORY_ROLES.globalAdministrator, SECURITY_ADMIN_ROLE, CONDITIONAL_ACCESS_ADMIN_ROLE])
  ) {
    return accessDenied(req);
  }
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  if (typeof read.body.isEnabled !== "boolean") return badRequest(req, "Invalid value specified for property 'isEnabled'.");
  caller.tenant.securityDefaultsEnabled = read.body.isEnabled;
  return graphNoContent(req);
}

const REVOKE_SESSIONS: Permissions = {
  delegated: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  application: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
};

/**
 * POST /users/{id}/revokeSignInSessions: every refresh token and browser session the user holds is invalid from now
 * (`signInSessionsValidFromDateTime`); a delegated caller also needs a role that may (Global Administrator here).
 */
export async function revokeSignInSessions(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, REVOKE_SESSIONS);
  if (denied) return denied;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, [DIRECTORY_ROLES.globalAdministrator])) return accessDenied(req);
  const user = findUser(caller.tenant.id, req.params.user);
  if (!user) return notFound(req, decodeURIComponent(req.params.user));
  // The sandbox clock: sessions and refresh tokens are stamped with it, so the comparison holds after it moves.
  user.signInSessionsValidFromDateTime = sandboxDate().toISOString();
  return graphJson(req, 200, { "@odata.context": contextUrl(req, "Edm.Boolean"), value: true });
}
