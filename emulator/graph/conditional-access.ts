/**
 * Conditional Access policies: Graph's `GET /identity/conditionalAccess/policies` (Policy.Read.All, and for a
 * delegated caller a role that may read them), and the rule the token endpoint applies at a password sign-in: an
 * enabled policy that targets the user and the resource and grants access only with MFA makes the password alone
 * not enough (AADSTS50076), as Entra does.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import type { ConditionalAccessPolicy, Tenant, User } from "../core/state";
import { DIRECTORY_ROLES } from "../core/state";
import { effectiveDirectoryRoles, groupsOf } from "../core/directory-roles";
import {
  authenticateGraphCaller,
  CONDITIONAL_ACCESS_ADMIN_ROLE,
  hasDirectoryRole,
  isResponse,
  requirePermission,
  SECURITY_ADMIN_ROLE,
  type Permissions,
} from "./auth";
import { accessDenied, contextUrl, graphJson } from "./responses";

const READ: Permissions = {
  delegated: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
  application: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
};

const SECURITY_READER_ROLE = "5d6b6bb7-de71-4623-b4af-96380a352509";

/** Delegated callers also need a role that may read Conditional Access (least: Security Reader). */
const READER_ROLES = [
  DIRECTORY_ROLES.globalAdministrator,
  DIRECTORY_ROLES.globalReader,
  SECURITY_READER_ROLE,
  SECURITY_ADMIN_ROLE,
  CONDITIONAL_ACCESS_ADMIN_ROLE,
];

/** GET /identity/conditionalAccess/policies */
export async function listConditionalAccessPolicies(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, READ);
  if (denied) return denied;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, READER_ROLES)) return accessDenied(req);
  return graphJson(req, 200, {
    "@odata.context": contextUrl(req, "identity/conditionalAccess/policies"),
    value: (caller.tenant.conditionalAccessPolicies ?? []).map((p) => ({ ...p, conditions: { ...p.conditions } })),
  });
}

function targetsUser(p: ConditionalAccessPolicy, user: User): boolean {
  const u = p.conditions.users;
  const groups = groupsOf(user).map((g) => g.id);
  const roles = effectiveDirectoryRoles(user);
  const included =
    u.includeUsers.includes("All") ||
    u.includeUsers.includes(user.id) ||
    u.includeGroups.some((g) => groups.includes(g)) ||
    u.includeRoles.some((r) => roles.includes(r));
  const excluded =
    u.excludeUsers.includes(user.id) || u.excludeGroups.some((g) => groups.includes(g)) || u.excludeRoles.some((r) => roles.includes(r));
  return included && !excluded;
}

function targetsApp(p: ConditionalAccessPolicy, appId: string): boolean {
  const a = p.conditions.applications;
  const resource = appId.toLowerCase();
  const names = (list: string[]) => list.map((x) => x.toLowerCase());
  const included = names(a.includeApplications).includes("all") || names(a.includeApplications).includes(resource);
  return included && !names(a.excludeApplications).includes(resource);
}

/** The enabled policies that require MFA for this user signing in to this resource (by its app id). */
export function conditionalAccessRequiringMfa(tenant: Tenant, user: User, resourceAppId: string): ConditionalAccessPolicy[] {
  return (tenant.conditionalAccessPolicies ?? []).filter(
    (p) => p.state === "enabled" && (p.grantControls?.builtInControls ?? []).includes("mfa") && targetsUser(p, user) && targetsApp(p, resourceAppId),
  );
}
