import "server-only";
import { appError } from "../../core/errors";
import { DATAVERSE_ROLE_TEMPLATES } from "../../microsoft/constants";
import {
  addPrivilegesToRole,
  assignRoleToUser,
  createApplicationUser,
  createRole,
  enableApplicationUser,
  findApplicationUser,
  findPrivilegesByName,
  findRoleByName,
  findRoleByTemplateId,
  findRootBusinessUnit,
  listRolePrivileges,
  removePrivilegeFromRole,
  removeRoleFromUser,
  type DataverseContext,
  type SecurityRole,
} from "../../microsoft/dataverse";
import { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES, unavailableFeatures, type RolePrivilege } from "../least-privilege-role";
import { done, outcomeFromError, requireFact, withinReplicationWindow, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/** The role the application user gets: System Administrator as the article says, or the least-privilege role. */
export async function findTargetRole(
  dv: DataverseContext,
  role: "leastPrivilege" | "systemAdministrator",
  businessUnitId: string,
): Promise<SecurityRole | null> {
  return role === "systemAdministrator"
    ? findRoleByTemplateId(dv, { templateId: DATAVERSE_ROLE_TEMPLATES.systemAdministrator, businessUnitId })
    : findRoleByName(dv, { name: LEAST_PRIVILEGE_ROLE_NAME, businessUnitId });
}

/** What the least-privilege role must hold in this environment, and what it may not. Pure. */
export function leastPrivilegeDelta(input: {
  catalog: { privilegeId: string; name: string }[];
  held: { privilegeId: string; name: string | null; depth: string }[];
}): { toAdd: { privilegeId: string; name: string }[]; toRemove: { privilegeId: string; name: string }[]; unavailable: RolePrivilege[] } {
  const wanted = new Map(LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => [p.name.toLowerCase(), p]));
  const unavailable = LEAST_PRIVILEGE_ROLE_PRIVILEGES.filter((p) => !input.catalog.some((c) => c.name.toLowerCase() === p.name.toLowerCase()));
  const heldGlobal = new Set(input.held.filter((p) => p.depth === "Global").map((p) => p.privilegeId));
  const toAdd = input.catalog.filter((c) => wanted.has(c.name.toLowerCase()) && !heldGlobal.has(c.privilegeId));
  const wantedIds = new Set(input.catalog.filter((c) => wanted.has(c.name.toLowerCase())).map((c) => c.privilegeId));
  const toRemove = input.held
    .filter((p) => !wantedIds.has(p.privilegeId) && !(p.name && wanted.has(p.name.toLowerCase())))
    .map((p) => ({ privilegeId: p.privilegeId, name: p.name ?? p.privilegeId }));
  return { toAdd, toRemove, unavailable };
}

/**
 * The least-privilege role: the one the environment has, else a new one. Dataverse reads are consistent,
 * so a role created by an interrupted attempt is found by name, not duplicated. @throws MicrosoftError
 */
async function ensureLeastPrivilegeRole(
  ctx: StepContext,
  dv: DataverseContext,
  existing: SecurityRole | null,
  businessUnitId: string,
): Promise<SecurityRole> {
  if (existing) return existing;
  // The (lease-checked) intent keeps a runner that lost its lease from creating one.
  await ctx.recordIntent({ roleCreateRequestedAt: ctx.now().toISOString() });
  return createRole(dv, {
    name: LEAST_PRIVILEGE_ROLE_NAME,
    businessUnitId,
    description: "Created by the Act-On onboarding portal: exactly what Act-On's Dynamics connector needs.",
  });
}

/**
 * Makes the role's privileges exactly Act-On's: missing ones added, extra ones (a reused role someone widened)
 * removed. Privileges the environment does not have (no Dynamics 365 Sales: leads, marketing lists) are skipped and
 * reported. @throws MicrosoftError
 */
async function exactPrivileges(
  dv: DataverseContext,
  role: SecurityRole,
  catalogRead: Promise<{ privilegeId: string; name: string }[]>,
): Promise<{ unavailable: RolePrivilege[]; removed: string[] }> {
  const [catalog, held] = await Promise.all([catalogRead, listRolePrivileges(dv, { roleId: role.roleId })]);
  const delta = leastPrivilegeDelta({ catalog, held });
  if (delta.toAdd.length)
    await addPrivilegesToRole(dv, {
      roleId: role.roleId,
      privileges: delta.toAdd.map((p) => ({ privilegeId: p.privilegeId, depth: "Global" as const })),
    });
  for (const extra of delta.toRemove) await removePrivilegeFromRole(dv, { roleId: role.roleId, privilegeId: extra.privilegeId });
  return { unavailable: delta.unavailable, removed: delta.toRemove.map((p) => p.name) };
}

/**
 * Step 6: the application user bound to the app, in the root business unit, with its security role. Least privilege
 * means least: a System Administrator role the user held from an earlier choice is taken away once the
 * least-privilege role is in place.
 */
export async function runApplicationUserStep(ctx: StepContext): Promise<StepResult> {
  const environmentUrl = requireFact(ctx.connection.environmentUrl, "the environment URL");
  const appId = requireFact(ctx.connection.clientId, "the app id");
  const dv = ctx.dataverse(environmentUrl);
  // The app (and its service principal) may be minutes old: until the window closes, Dataverse's 400/403/404 for it
  // mean "not replicated yet" (judged by what this run created, never by the wording of the error).
  const fresh = withinReplicationWindow(ctx);
  try {
    // Reads go together: the root business unit, an existing application user and the privilege catalogue first; the
    // role's lookup beside the user's creation. Writes go one at a time in a fixed order (user, role, privileges,
    // assignment), so a crash between any two of them is a point the crash sweep reaches and the next attempt finds.
    const leastPrivilege = ctx.options.role === "leastPrivilege";
    const catalogRead = leastPrivilege ? findPrivilegesByName(dv, { names: LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => p.name) }) : null;
    // Never left unobserved when the step stops early: whoever awaits it later reports its failure.
    catalogRead?.catch(() => undefined);
    const [rootBu, existingUser] = await Promise.all([findRootBusinessUnit(dv), findApplicationUser(dv, { appId })]);
    const roleLookup = findTargetRole(dv, ctx.options.role, rootBu.businessUnitId);
    roleLookup.catch(() => undefined);
    const user = existingUser ?? (await createApplicationUser(dv, { appId, businessUnitId: rootBu.businessUnitId, justCreated: fresh }));
    // A disconnect may have disabled it: reconnecting turns it back on.
    if (user.isDisabled) await enableApplicationUser(dv, { systemUserId: user.systemUserId });
    let role = await roleLookup;
    let unavailable: RolePrivilege[] = [];
    let removedPrivileges: string[] = [];
    if (leastPrivilege && catalogRead) {
      role = await ensureLeastPrivilegeRole(ctx, dv, role, rootBu.businessUnitId);
      // Made exact before it is given: a role found in the environment may have been widened by someone.
      ({ unavailable, removed: removedPrivileges } = await exactPrivileges(dv, role, catalogRead));
    }
    if (!role) {
      return {
        kind: "fail",
        error: appError("not_found", "The System Administrator security role was not found in the environment's root business unit."),
      };
    }
    if (!user.roles.some((r) => r.roleId === role.roleId)) {
      await assignRoleToUser(dv, { systemUserId: user.systemUserId, roleId: role.roleId, justCreated: fresh || !existingUser });
    }
    const removedRoles: string[] = [];
    if (leastPrivilege) {
      for (const held of user.roles.filter((r) => r.templateId === DATAVERSE_ROLE_TEMPLATES.systemAdministrator)) {
        await removeRoleFromUser(dv, { systemUserId: user.systemUserId, roleId: held.roleId });
        removedRoles.push(held.name);
      }
    }
    return done(
      {
        systemUserId: user.systemUserId,
        roleId: role.roleId,
        roleName: role.name,
        businessUnitId: rootBu.businessUnitId,
        businessUnitName: rootBu.name,
        ...(removedRoles.length ? { removedRoles } : {}),
        ...(removedPrivileges.length ? { removedPrivileges } : {}),
        ...(unavailable.length ? { unavailableFeatures: unavailableFeatures(unavailable) } : {}),
      },
      { connectionPatch: { applicationUserId: user.systemUserId, securityRole: ctx.options.role } },
    );
  } catch (error) {
    return outcomeFromError(ctx, error, "Dynamics 365 to accept the new application user");
  }
}
