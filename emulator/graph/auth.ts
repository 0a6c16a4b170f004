/**
 * Who is calling Graph, and may they? Graph accepts v1 or v2 access tokens whose audience is Graph; delegated tokens
 * carry `scp`, app-only tokens `roles`. Permission names per operation follow Microsoft's permissions reference
 * (least privileged first); a caller holding any listed permission passes.
 */
import { bearerToken, type EmuRequest, type EmuResponse } from "../core/http";
import { getState } from "../core/store";
import type { Tenant, User } from "../core/state";
import { DIRECTORY_ROLES } from "../core/state";
import { effectiveDirectoryRoles } from "../core/directory-roles";
import { verifyAccessToken, type AccessTokenClaims } from "../core/tokens";
import { GRAPH_APP_ID } from "./first-party";
import { accessDenied, graphError } from "./responses";

const GRAPH_AUDIENCES = new Set(["https://graph.microsoft.com", "https://graph.microsoft.com/", GRAPH_APP_ID, "https://graph.windows.net"]);

export type GraphCaller = {
  claims: AccessTokenClaims;
  tenant: Tenant;
  /** Delegated callers act as a user; app-only callers as their service principal (`oid`). */
  kind: "delegated" | "application";
  user: User | null;
  permissions: Set<string>;
  /** The client application (v1 `appid`, v2 `azp`). */
  clientAppId: string;
};

export type Permissions = { delegated: string[]; application: string[] };

function unauthorized(req: EmuRequest, message: string): EmuResponse {
  const res = graphError(req, 401, "InvalidAuthenticationToken", message);
  res.headers = {
    ...res.headers,
    "www-authenticate": `Bearer realm="", authorization_uri="${req.origin}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
  };
  return res;
}

/** Resolves the caller from the bearer token, or answers 401 `InvalidAuthenticationToken` as Graph does. */
export async function authenticateGraphCaller(req: EmuRequest): Promise<GraphCaller | EmuResponse> {
  const raw = bearerToken(req);
  if (!raw) return unauthorized(req, "Access token is empty.");
  const claims = await verifyAccessToken(raw);
  if (!claims) return unauthorized(req, "Access token validation failure. Invalid audience or signature.");
  if (!GRAPH_AUDIENCES.has(String(claims.aud))) return unauthorized(req, "Access token validation failure. Invalid audience.");
  const state = getState();
  const tenant = state.tenants.find((t) => t.id === claims.tid);
  if (!tenant) return unauthorized(req, "Access token validation failure. Invalid issuer.");
  const clientAppId = claims.appid ?? claims.azp ?? "";
  if (claims.scp !== undefined) {
    const user = state.users.find((u) => u.id === claims.oid && u.tenantId === tenant.id) ?? null;
    if (!user || !user.accountEnabled) return unauthorized(req, "User is disabled or does not exist in the tenant.");
    const permissions = new Set(
      claims.scp
        .split(" ")
        .filter(Boolean)
        .map((s) => s.toLowerCase()),
    );
    return { claims, tenant, kind: "delegated", user, permissions, clientAppId };
  }
  const permissions = new Set((claims.roles ?? []).map((r) => r.toLowerCase()));
  return { claims, tenant, kind: "application", user: null, permissions, clientAppId };
}

export function isResponse(x: unknown): x is EmuResponse {
  return typeof x === "object" && x !== null && "status" in x && !("claims" in x);
}

/** 403 `Authorization_RequestDenied` unless the token carries one of the permissions the operation accepts. */
export function requirePermission(req: EmuRequest, caller: GraphCaller, perms: Permissions): EmuResponse | null {
  const accepted = caller.kind === "delegated" ? perms.delegated : perms.application;
  return accepted.some((p) => caller.permissions.has(p.toLowerCase())) ? null : accessDenied(req);
}

/** Directory roles (by template id) of a delegated caller; app-only callers hold none. */
export function hasDirectoryRole(caller: GraphCaller, roles: string[]): boolean {
  return caller.user !== null && effectiveDirectoryRoles(caller.user).some((r) => roles.includes(r));
}

/** Roles that let a user manage any application registration in the tenant. */
export const APP_ADMIN_ROLES = [
  DIRECTORY_ROLES.globalAdministrator,
  DIRECTORY_ROLES.applicationAdministrator,
  DIRECTORY_ROLES.cloudApplicationAdministrator,
];

/** Roles that may grant tenant-wide (AllPrincipals) delegated consent. */
export const CONSENT_ADMIN_ROLES = [...APP_ADMIN_ROLES, DIRECTORY_ROLES.privilegedRoleAdministrator];

export const SECURITY_ADMIN_ROLE = "194ae4cb-b126-40b2-bd5b-6091b380977d";
export const CONDITIONAL_ACCESS_ADMIN_ROLE = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9";
export const AUTHENTICATION_ADMIN_ROLE = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
export const PRIVILEGED_AUTHENTICATION_ADMIN_ROLE = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";

/** Permission sets per operation family (Microsoft Graph permissions reference). */
export const PERMISSIONS = {
  readApplications: {
    delegated: ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"],
    application: [
      "Application.Read.All",
      "Application.ReadWrite.OwnedBy",
      "Application.ReadWrite.All",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
    ],
  },
  writeApplications: {
    delegated: ["Application.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"],
    application: ["Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"],
  },
  readGrants: {
    delegated: [
      "DelegatedPermissionGrant.Read.All",
      "DelegatedPermissionGrant.ReadWrite.All",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
      "Directory.AccessAsUser.All",
    ],
    application: ["DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  },
  writeGrants: {
    delegated: ["DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"],
    application: ["DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  readMe: {
    delegated: [
      "User.Read",
      "User.ReadWrite",
      "User.ReadBasic.All",
      "User.Read.All",
      "User.ReadWrite.All",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
      "Directory.AccessAsUser.All",
    ],
    application: [],
  },
  readUsers: {
    delegated: [
      "User.ReadBasic.All",
      "User.Read.All",
      "User.ReadWrite.All",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
      "Directory.AccessAsUser.All",
    ],
    application: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  },
  readOrganization: {
    delegated: [
      "User.Read",
      "Organization.Read.All",
      "Directory.Read.All",
      "Organization.ReadWrite.All",
      "Directory.ReadWrite.All",
      "Directory.AccessAsUser.All",
    ],
    application: ["Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"],
  },
  readMemberOf: {
    delegated: [
      "User.Read",
      "User.ReadBasic.All",
      "User.Read.All",
      "GroupMember.Read.All",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
      "Directory.AccessAsUser.All",
    ],
    application: ["User.Read.All", "GroupMember.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  },
  readRoleAssignments: {
    delegated: [
      "RoleManagement.Read.Directory",
      "RoleManagement.Read.All",
      "RoleManagement.ReadWrite.Directory",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
    ],
    application: [
      "RoleManagement.Read.Directory",
      "RoleManagement.Read.All",
      "RoleManagement.ReadWrite.Directory",
      "Directory.Read.All",
      "Directory.ReadWrite.All",
    ],
  },
  /** Role eligibility schedules and their instances (Privileged Identity Management), least privileged first. */
  readRoleEligibility: {
    delegated: [
      "RoleEligibilitySchedule.Read.Directory",
      "RoleManagement.Read.Directory",
      "RoleManagement.Read.All",
      "RoleEligibilitySchedule.ReadWrite.Directory",
      "RoleManagement.ReadWrite.Directory",
    ],
    application: [
      "RoleEligibilitySchedule.Read.Directory",
      "RoleManagement.Read.Directory",
      "RoleManagement.Read.All",
      "RoleEligibilitySchedule.ReadWrite.Directory",
      "RoleManagement.ReadWrite.Directory",
    ],
  },
  /** Another user's per-user MFA state (beta `authentication/requirements`): Policy.Read.All is the least privileged. */
  readAuthRequirements: {
    delegated: ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
    application: ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
  },
  writeAuthRequirements: {
    delegated: ["UserAuthenticationMethod.ReadWrite.All", "Policy.ReadWrite.AuthenticationMethod"],
    application: ["UserAuthenticationMethod.ReadWrite.All", "Policy.ReadWrite.AuthenticationMethod"],
  },
  readPolicies: {
    delegated: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.SecurityDefaults"],
    application: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.SecurityDefaults"],
  },
  writeSecurityDefaults: {
    delegated: ["Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess"],
    application: ["Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess"],
  },
} satisfies Record<string, Permissions>;
