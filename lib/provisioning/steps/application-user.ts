import "server-only";
import { appError } from "../../errors";
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
  type DataverseContext,
  type SecurityRole,
} from "../../microsoft/dataverse";
import { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../least-privilege-role";
import { done, outcomeFromError, requireFact, type StepContext } from "./step-context";
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

/** Creates the least-privilege role if needed and gives it exactly the privileges it lacks. @throws MicrosoftError */
async function ensureLeastPrivilegeRole(
  ctx: StepContext,
  dv: DataverseContext,
  existing: SecurityRole | null,
  businessUnitId: string,
): Promise<SecurityRole> {
  let role = existing;
  if (!role) {
    // Dataverse reads are consistent, so a role created by an interrupted attempt is found by name, not duplicated;
    // the (lease-checked) intent keeps a runner that lost its lease from creating one.
    await ctx.recordIntent({ roleCreateRequestedAt: ctx.now().toISOString() });
    role = await createRole(dv, {
      name: LEAST_PRIVILEGE_ROLE_NAME,
      businessUnitId,
      description: "Created by the Act-On onboarding portal: exactly what Act-On's Dynamics connector needs.",
    });
  }
  const wanted = LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => p.name);
  const [catalog, held] = await Promise.all([findPrivilegesByName(dv, { names: wanted }), listRolePrivileges(dv, { roleId: role.roleId })]);
  const missingNames = wanted.filter((n) => !catalog.some((p) => p.name === n));
  if (missingNames.length) throw new Error(`Dataverse does not know the privileges ${missingNames.join(", ")}`);
  const heldIds = new Set(held.filter((p) => p.depth === "Global").map((p) => p.privilegeId));
  const toAdd = catalog.filter((p) => !heldIds.has(p.privilegeId)).map((p) => ({ privilegeId: p.privilegeId, depth: "Global" as const }));
  if (toAdd.length) await addPrivilegesToRole(dv, { roleId: role.roleId, privileges: toAdd });
  return role;
}

/** Step 6: the application user bound to the app, in the root business unit, with its security role. */
export async function runApplicationUserStep(ctx: StepContext): Promise<StepResult> {
  const environmentUrl = requireFact(ctx.connection.environmentUrl, "the environment URL");
  const appId = requireFact(ctx.connection.clientId, "the app id");
  const dv = ctx.dataverse(environmentUrl);
  try {
    // Independent reads, concurrently: root business unit and an existing application user.
    const [rootBu, existingUser] = await Promise.all([findRootBusinessUnit(dv), findApplicationUser(dv, { appId })]);
    const existingRole = await findTargetRole(dv, ctx.options.role, rootBu.businessUnitId);
    const role = ctx.options.role === "leastPrivilege" ? await ensureLeastPrivilegeRole(ctx, dv, existingRole, rootBu.businessUnitId) : existingRole;
    if (!role) {
      return {
        kind: "fail",
        error: appError("not_found", "The System Administrator security role was not found in the environment's root business unit."),
      };
    }
    const user = existingUser ?? (await createApplicationUser(dv, { appId, businessUnitId: rootBu.businessUnitId, justCreated: true }));
    // A disconnect may have disabled it: reconnecting turns it back on.
    if (user.isDisabled) await enableApplicationUser(dv, { systemUserId: user.systemUserId });
    if (!user.roles.some((r) => r.roleId === role.roleId)) {
      await assignRoleToUser(dv, { systemUserId: user.systemUserId, roleId: role.roleId, justCreated: !existingUser });
    }
    return done(
      {
        systemUserId: user.systemUserId,
        roleId: role.roleId,
        roleName: role.name,
        businessUnitId: rootBu.businessUnitId,
        businessUnitName: rootBu.name,
      },
      { connectionPatch: { applicationUserId: user.systemUserId, securityRole: ctx.options.role } },
    );
  } catch (error) {
    return outcomeFromError(ctx, error, "Dynamics 365 to accept the new application user");
  }
}
