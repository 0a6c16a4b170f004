/**
 * Directory roles a user holds: assigned to them directly, or to a role-assignable group they belong to. Entra gives
 * group-held roles the same effect (consent, Graph authorization, the `wids` claim), but `/me/memberOf` lists only the
 * group; the roles appear in `/me/transitiveMemberOf`.
 */
import type { Group, User } from "./state";
import { getState } from "./store";

export function groupsOf(user: User): Group[] {
  return (getState().groups ?? []).filter((g) => g.tenantId === user.tenantId && g.memberIds.includes(user.id));
}

/** Role template ids the user holds through role-assignable groups. */
function groupHeldRoles(user: User): string[] {
  return groupsOf(user)
    .filter((g) => g.isAssignableToRole)
    .flatMap((g) => g.directoryRoleTemplateIds);
}

export function effectiveDirectoryRoles(user: User): string[] {
  return [...new Set([...user.directoryRoleTemplateIds, ...groupHeldRoles(user)])];
}
