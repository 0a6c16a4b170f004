/**
 * Dataverse role-based security: a user's privileges are the union of their security roles' privileges (System
 * Administrator implicitly holds every privilege at Global depth). A missing privilege is 403 `0x80040220` with the
 * platform's message pattern, naming the principal, its role and privilege counts, the privilege and the table.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import type { Environment, Privilege, PrivilegeDepth, Role, SystemUser } from "../core/state";
import { ENTITY_INFO, STANDARD_PRIVILEGES } from "./privileges-catalog";
import { DV, dvError } from "./responses";

export const DEPTH_ORDER: PrivilegeDepth[] = ["Basic", "Local", "Deep", "Global"];

/** Privilege names of the Sales tables (lead, marketing list): absent from an environment without Dynamics 365 Sales. */
const SALES_PRIVILEGE = /^prv[A-Za-z]+(Lead|List)$/;

export function privilegesOf(env: Environment): Privilege[] {
  const all = env.privileges ?? STANDARD_PRIVILEGES;
  return env.withoutSales ? all.filter((p) => !SALES_PRIVILEGE.test(p.name)) : all;
}

function findPrivilegeByName(env: Environment, name: string): Privilege | undefined {
  const lower = name.toLowerCase();
  return privilegesOf(env).find((p) => p.name.toLowerCase() === lower);
}

/** Privileges a role grants, each with its depth. */
export function rolePrivileges(env: Environment, role: Role): { privilege: Privilege; depth: PrivilegeDepth }[] {
  const all = privilegesOf(env);
  if (role.allPrivileges) return all.map((privilege) => ({ privilege, depth: "Global" as const }));
  return role.privileges.flatMap((rp) => {
    const privilege = all.find((p) => p.privilegeid === rp.privilegeid);
    return privilege ? [{ privilege, depth: rp.depth }] : [];
  });
}

/** The user's security roles: assigned directly, or held by a team the user belongs to. */
export function rolesOf(env: Environment, user: SystemUser): Role[] {
  const ids = new Set(env.systemUserRoles.filter((r) => r.systemuserid === user.systemuserid).map((r) => r.roleid));
  for (const team of env.teams ?? []) if (team.memberIds.includes(user.systemuserid)) for (const id of team.roleIds) ids.add(id);
  return env.roles.filter((r) => ids.has(r.roleid));
}

/** Privilege name (lower case) → deepest depth the user holds through any role. */
export function effectivePrivileges(env: Environment, user: SystemUser): Map<string, PrivilegeDepth> {
  const out = new Map<string, PrivilegeDepth>();
  for (const role of rolesOf(env, user)) {
    for (const { privilege, depth } of rolePrivileges(env, role)) {
      const key = privilege.name.toLowerCase();
      const held = out.get(key);
      if (!held || DEPTH_ORDER.indexOf(depth) > DEPTH_ORDER.indexOf(held)) out.set(key, depth);
    }
  }
  return out;
}

export function privilegeDenied(req: EmuRequest, env: Environment, user: SystemUser, privilegeName: string, entity: string): EmuResponse {
  const held = effectivePrivileges(env, user);
  const privilege = findPrivilegeByName(env, privilegeName);
  const info = ENTITY_INFO[entity];
  const message =
    `Principal user (Id=${user.systemuserid}, type=8, roleCount=${rolesOf(env, user).length}, privilegeCount=${held.size}, accessMode=${user.accessmode}, ` +
    `businessUnitId=${user.businessunitid}), is missing ${privilegeName} privilege (Id=${privilege?.privilegeid ?? "00000000-0000-0000-0000-000000000000"}) ` +
    `on OTC=${info?.objectTypeCode ?? 0} for entity '${entity}' (LocalizedName='${info?.displayName ?? entity}'). context.Caller=${user.systemuserid}`;
  return dvError(req, 403, DV.privilegeDenied, message);
}

/** Null when the user holds the privilege (at any depth), else the 403 Dataverse answers. */
export function requirePrivilege(req: EmuRequest, env: Environment, user: SystemUser, privilegeName: string, entity: string): EmuResponse | null {
  return effectivePrivileges(env, user).has(privilegeName.toLowerCase()) ? null : privilegeDenied(req, env, user, privilegeName, entity);
}

/** Dataverse refuses to let a user hand out privileges they do not hold themselves (no privilege escalation). */
export function firstMissingPrivilege(
  env: Environment,
  user: SystemUser,
  wanted: { privilege: Privilege; depth: PrivilegeDepth }[],
): Privilege | null {
  const held = effectivePrivileges(env, user);
  for (const w of wanted) {
    const have = held.get(w.privilege.name.toLowerCase());
    if (!have || DEPTH_ORDER.indexOf(have) < DEPTH_ORDER.indexOf(w.depth)) return w.privilege;
  }
  return null;
}
