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
  type Privilege,
  type SecurityRole,
} from "../../microsoft/dataverse";
import { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES, unavailableFeatures, type RolePrivilege } from "../least-privilege-role";
import type { EnsuredRole } from "../prepared-role";
import { reusablePlanFindings } from "./plan-findings";
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
 * The least-privilege role of an environment's root business unit, made exactly Act-On's: the one the environment has
 * (found by name, so a role an interrupted attempt or another connection's run created is not duplicated), else a new
 * one; missing privileges added, extra ones (a reused role someone widened) removed. Privileges the environment does
 * not have (no Dynamics 365 Sales: leads, marketing lists) are skipped and reported. A role created here has no
 * privileges yet, so they are not read back. The applicationUser step runs it, or a drive ahead of the step
 * (prepared-role.ts). @throws MicrosoftError
 */
export async function ensureLeastPrivilegeRole(
  dv: DataverseContext,
  input: {
    businessUnitId: string;
    catalog: Promise<Privilege[]> | Privilege[];
    /** The role's lookup by name, when begun already. */
    found?: Promise<SecurityRole | null>;
    /** Proves the caller may still write (its lease), right before the role is created. */
    beforeCreate: () => Promise<void>;
  },
): Promise<EnsuredRole> {
  let role = await (input.found ?? findRoleByName(dv, { name: LEAST_PRIVILEGE_ROLE_NAME, businessUnitId: input.businessUnitId }));
  const created = !role;
  if (!role) {
    await input.beforeCreate();
    role = await createRole(dv, {
      name: LEAST_PRIVILEGE_ROLE_NAME,
      businessUnitId: input.businessUnitId,
      description: "Created by the Act-On onboarding portal: exactly what Act-On's Dynamics connector needs.",
    });
  }
  const roleId = role.roleId;
  const [catalog, held] = await Promise.all([input.catalog, created ? [] : listRolePrivileges(dv, { roleId })]);
  const delta = leastPrivilegeDelta({ catalog, held });
  if (delta.toAdd.length)
    await addPrivilegesToRole(dv, { roleId, privileges: delta.toAdd.map((p) => ({ privilegeId: p.privilegeId, depth: "Global" as const })) });
  for (const extra of delta.toRemove) await removePrivilegeFromRole(dv, { roleId, privilegeId: extra.privilegeId });
  return { role, unavailable: delta.unavailable, removed: delta.toRemove.map((p) => p.name), created };
}

/**
 * True when no application user of the app can exist yet, so looking for one would find nothing: the app was created
 * by this run (a new client id), and this step has not asked for its user before (its first attempt, with no intent
 * recorded). Anything else (an app reused by a re-run or a repair, a retry, a resume) looks first. Should someone have
 * made a user meanwhile after all, the create's conflict finds it (createApplicationUser).
 */
function userCannotExistYet(ctx: StepContext, appId: string): boolean {
  const app = ctx.outputOf("appRegistration");
  const own = ctx.outputOf("applicationUser") ?? {};
  const attempt = ctx.run.steps.find((s) => s.name === ctx.step)?.attempts ?? 0;
  return app?.createdByRun === true && app.appId === appId && attempt === 1 && !own.applicationUserCreateRequestedAt;
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
  let prepared: Promise<EnsuredRole | null> | undefined;
  try {
    // What the run already knows is not asked again on a first attempt: the plan's root business unit and privilege
    // catalogue while fresh (plan-findings.ts), and that a new app has no user. System Administrator runs read all.
    const leastPrivilege = ctx.options.role === "leastPrivilege";
    const planned = leastPrivilege ? reusablePlanFindings(ctx, "applicationUser")?.dataverse : undefined;
    const names = LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => p.name);
    const catalogRead = leastPrivilege ? (planned?.privileges ? Promise.resolve(planned.privileges) : findPrivilegesByName(dv, { names })) : null;
    // Never left unobserved when the step stops early: whoever awaits it later reports its failure.
    catalogRead?.catch(() => undefined);
    const lookForUser = !leastPrivilege || !userCannotExistYet(ctx, appId);
    const [rootBu, existingUser] = await Promise.all([
      planned?.rootBusinessUnit ?? findRootBusinessUnit(dv),
      lookForUser ? findApplicationUser(dv, { appId }) : null,
    ]);
    // The role the drive began beside the Graph steps (prepared-role.ts), its writes made before the user's; a
    // failed one is done again below, so its errors reach this step's record only through this attempt's own calls.
    const target = { environmentUrl, businessUnitId: rootBu.businessUnitId, roleName: LEAST_PRIVILEGE_ROLE_NAME };
    prepared = leastPrivilege ? ctx.preparedRole(target)?.catch(() => null) : undefined;
    // Otherwise the role's lookup goes beside the user's creation. Either way this attempt's writes go one at a time
    // in a fixed order (user, role, privileges, assignment), so a crash between any two of them is a point the next
    // attempt finds.
    const roleLookup = prepared ? null : findTargetRole(dv, ctx.options.role, rootBu.businessUnitId);
    roleLookup?.catch(() => undefined);
    let user = existingUser;
    if (!user) {
      // The (lease-checked) intent keeps a runner that lost its lease from creating one, and tells the next attempt
      // to look for the user this one may have made.
      await ctx.recordIntent({ applicationUserCreateRequestedAt: ctx.now().toISOString() });
      user = await createApplicationUser(dv, { appId, businessUnitId: rootBu.businessUnitId, justCreated: fresh });
    }
    // A disconnect may have disabled it: reconnecting turns it back on.
    if (user.isDisabled) await enableApplicationUser(dv, { systemUserId: user.systemUserId });
    let role: SecurityRole | null;
    let unavailable: RolePrivilege[] = [];
    let removedPrivileges: string[] = [];
    if (leastPrivilege && catalogRead) {
      // Made exact before it is given: a role found in the environment may have been widened by someone.
      const ensured =
        (await prepared) ??
        (await ensureLeastPrivilegeRole(dv, {
          businessUnitId: rootBu.businessUnitId,
          catalog: catalogRead,
          found: roleLookup ?? undefined,
          beforeCreate: () => ctx.recordIntent({ roleCreateRequestedAt: ctx.now().toISOString() }),
        }));
      ({ role, unavailable, removed: removedPrivileges } = ensured);
    } else {
      role = await roleLookup;
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
    // A role still being made ahead must be finished before the next attempt looks for it (or it would make another).
    await prepared;
    return outcomeFromError(ctx, error, "Dynamics 365 to accept the new application user");
  }
}
