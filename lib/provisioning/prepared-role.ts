import "server-only";
import { log } from "../core/log";
import { isMicrosoftError } from "../microsoft/errors";
import { sameServiceUrl } from "../microsoft/identity-config";
import type { SecurityRole } from "../microsoft/dataverse";
import { LEAST_PRIVILEGE_ROLE_NAME, type RolePrivilege } from "./least-privilege-role";
import { reusablePlanFindings } from "./steps/plan-findings";
import { ensureLeastPrivilegeRole } from "./steps/application-user";
import type { StepContext } from "./steps/step-context";

/** Which role, in which environment and business unit: a prepared role serves only the step that wants this one. */
export type RoleTarget = { environmentUrl: string; businessUnitId: string; roleName: string };

/** The least-privilege role as the environment has it now: found or created, its privileges made exactly Act-On's. */
export type EnsuredRole = { role: SecurityRole; unavailable: RolePrivilege[]; removed: string[]; created: boolean };

const sameTarget = (a: RoleTarget, b: RoleTarget) =>
  sameServiceUrl(a.environmentUrl, b.environmentUrl) &&
  a.businessUnitId.toLowerCase() === b.businessUnitId.toLowerCase() &&
  a.roleName === b.roleName;

/**
 * The security role begun ahead of the applicationUser step: the role depends on the environment only, never on the
 * app, so a drive makes it while the app registration and its consent wait on Graph, and the step finds it ready.
 * Begun at most once a drive and handed out once, to a step that wants the same role; one never taken dies with the
 * drive, and the step does the work itself (the role is found again by name).
 */
export class PreparedRole {
  private begun = false;
  private pending: { target: RoleTarget; work: Promise<EnsuredRole> } | null = null;

  /** Begins `work` for `target` unless this drive has begun one already. */
  prepare(target: RoleTarget, work: () => Promise<EnsuredRole>): void {
    if (this.begun) return;
    this.begun = true;
    const pending = { target, work: work() };
    // Taken or not, a failure is never unhandled: the step that takes it does the work itself instead.
    pending.work.catch(() => undefined);
    this.pending = pending;
  }

  /** The role begun for `target` (once), or null when none was begun, or one for another role or environment. */
  take(target: RoleTarget): Promise<EnsuredRole> | null {
    const pending = this.pending;
    if (!pending || !sameTarget(pending.target, target)) return null;
    this.pending = null;
    return pending.work;
  }
}

/**
 * Begins the least-privilege role for the drive of `ctx`'s run when its applicationUser step is still to run and will
 * take the plan's reads on its first attempt: then the run itself names the environment and its root business unit,
 * and the privileges' ids (plan-findings.ts). Otherwise nothing is begun and the step does it all itself, reading as
 * it always did (a retry, a resume after a crash inside the step, a plan too old, System Administrator).
 */
export function prepareLeastPrivilegeRole(ctx: StepContext, prepared: PreparedRole): void {
  if (ctx.step === "applicationUser" || ctx.options.role !== "leastPrivilege" || !ctx.session) return;
  const step = ctx.run.steps.find((s) => s.name === "applicationUser");
  if (!step || (step.status !== "pending" && step.status !== "waiting")) return;
  const planned = reusablePlanFindings(ctx, "applicationUser", { attempt: step.attempts + 1 })?.dataverse;
  const catalog = planned?.privileges;
  if (!planned || !catalog) return;
  const target = {
    environmentUrl: planned.environmentUrl,
    businessUnitId: planned.rootBusinessUnit.businessUnitId,
    roleName: LEAST_PRIVILEGE_ROLE_NAME,
  };
  prepared.prepare(target, () =>
    ensureLeastPrivilegeRole(ctx.dataverse(target.environmentUrl), {
      businessUnitId: target.businessUnitId,
      catalog,
      // The drive holds the run's lease between steps as within them: a drive that lost it creates nothing.
      beforeCreate: ctx.assertLease,
    }).catch((error: unknown) => {
      // Reported by the step's own attempt, which does the work again: here only noted, with no payload.
      log.info("provisioning: the security role prepared ahead failed; the applicationUser step makes it itself", {
        runId: ctx.run.id,
        code: isMicrosoftError(error) ? error.appError.code : "internal",
        requestIds: isMicrosoftError(error) ? error.requestIds : [],
      });
      throw error;
    }),
  );
}
