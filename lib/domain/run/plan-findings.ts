/**
 * What the plan read that the run's steps would read again (the environment, the admin's permissions, and the
 * environment's root business unit and privilege catalogue), kept on the stored plan in the form those steps record it, and the rule for when a step may take them instead of
 * asking Microsoft again. Pure.
 */

/** The environment step's output and connection facts, as it records them (lib/provisioning/steps/environment.ts). */
export type EnvironmentFindings = {
  output: {
    environmentUrl: string;
    environmentName: string | null;
    organizationId: string | null;
    tenantId: string;
    adminUserId: string;
    adminUpn: string;
  };
  connectionPatch: {
    environmentUrl: string;
    environmentName: string | null;
    environmentId: string | null;
    tenantId: string;
    tenantDomain: string | null;
  };
};

export type PlanFindings = {
  /** When the plan began reading: its earliest read, so the age is never understated. ISO. */
  readAt: string;
  /** The Microsoft account the reads were made as (MSAL's home account id: object id and tenant id). */
  readAs: string;
  /** What the environment was chosen from (the run's request, else the connection's URL), and who the connection was. */
  basis: RunBasis;
  environment: EnvironmentFindings;
  /** The preconditions step's output; absent when the plan did not check preconditions (a migration has no such step). */
  preconditions?: { directoryRoles: string[] };
  /** Dynamics CRM's service principal in the tenant (the object a consent grant names); absent when the plan found none. */
  dynamicsPrincipalId?: string;
  /** What the plan read in the chosen environment; absent in plans made before it was kept. */
  dataverse?: DataverseFindings;
};

/**
 * The environment's root business unit and the least-privilege role's privileges as found there (with their ids, which
 * AddPrivilegesRole takes): what the applicationUser step would read again. Neither changes while an environment
 * lives, short of someone installing or removing Dynamics 365 Sales.
 */
type DataverseFindings = {
  environmentUrl: string;
  rootBusinessUnit: { businessUnitId: string; name: string };
  /** Absent when the plan sought none (a System Administrator run). */
  privileges?: { privilegeId: string; name: string }[];
};

/** What a step's own reads depend on besides Microsoft: if any of it differs from the plan's, the plan's reads do not apply. */
export type RunBasis = {
  requestedEnvironment: string | null;
  connectionTenantId: string | null;
  integrationUsername: string | null;
};

/**
 * How old the plan's reads may be when a step takes them: 10 minutes. The plan is prepared while the admin waits and
 * approved a minute or two later, and the drive starts at once, so a first drive falls well inside it; a run resumed
 * after a long wait, a crash whose lease had to lapse, or an approval left for later falls outside and reads again.
 * Nothing unsafe can slip through in between: the reads only predict what Microsoft decides again at every write (an
 * admin who lost a role meanwhile is refused with 403, which the engine reports as the missing permission; a deleted
 * environment fails the next call), so the window bounds how stale the checklist's "checked" may be, not what is
 * allowed. It is also well inside the admin's access tokens' lifetime (an hour), so the drive acts with the sign-in
 * the plan was read with.
 */
export const PLAN_FINDINGS_FRESH_MS = 10 * 60_000;

/** Portal instances' clocks may differ a little: a plan read "in the future" by less than this is not suspicious. */
const CLOCK_SKEW_MS = 60_000;

export type ReuseQuestion = {
  step: "environment" | "preconditions" | "adminConsent" | "applicationUser";
  findings: PlanFindings | null | undefined;
  now: Date;
  /** The step's attempt about to run: 1 for its first (a retry of a failed run starts again at 1, see stripPlanFindings). */
  attempt: number;
  /** The Microsoft account of the sign-in the step acts with; null without one. */
  actingAs: string | null;
  /** The environment step compares all of it; the preconditions step the integration user (the rest it has changed). */
  basis: RunBasis;
  /** Preconditions and applicationUser: the environment this run's environment step recorded. */
  environmentUrl?: string | null;
  /** Admin consent only: the tenant this run's environment step recorded (a principal's id means nothing elsewhere). */
  tenantId?: string | null;
};

export type ReuseAnswer = { reuse: true } | { reuse: false; why: string };

const sameText = (a: string | null, b: string | null) => (a ?? "").trim().toLowerCase() === (b ?? "").trim().toLowerCase();

/** May this step take the plan's findings instead of reading them again? Only when nothing could have changed them. */
export function mayReusePlanFindings(q: ReuseQuestion): ReuseAnswer {
  const f = q.findings;
  if (!f) return { reuse: false, why: "the plan recorded no findings" };
  if (q.step === "preconditions" && !f.preconditions) return { reuse: false, why: "the plan did not check the preconditions" };
  if (q.step === "applicationUser" && !f.dataverse) return { reuse: false, why: "the plan kept nothing of the environment's" };
  if (q.step === "adminConsent" && !f.dynamicsPrincipalId) return { reuse: false, why: "the plan did not find Dynamics CRM's principal" };
  // A later attempt follows a failure, a throttled read or a crash inside the step: it looks for itself.
  if (q.attempt !== 1) return { reuse: false, why: "not the step's first attempt" };
  const age = q.now.getTime() - Date.parse(f.readAt);
  if (!Number.isFinite(age) || age > PLAN_FINDINGS_FRESH_MS || age < -CLOCK_SKEW_MS) return { reuse: false, why: "the plan's reads are not recent" };
  if (!q.actingAs || q.actingAs.toLowerCase() !== f.readAs.toLowerCase()) return { reuse: false, why: "another sign-in acts now" };
  if (!sameText(q.basis.integrationUsername, f.basis.integrationUsername)) return { reuse: false, why: "the integration user changed" };
  if (q.step === "environment") {
    if (!sameText(q.basis.requestedEnvironment, f.basis.requestedEnvironment)) return { reuse: false, why: "another environment is asked for" };
    if (!sameText(q.basis.connectionTenantId, f.basis.connectionTenantId)) return { reuse: false, why: "the connection's tenant changed" };
  } else if (q.step === "adminConsent") {
    if (!sameText(q.tenantId ?? null, f.environment.output.tenantId))
      return { reuse: false, why: "the run acts in another tenant than the plan read" };
  } else if (!sameText(q.environmentUrl ?? null, f.environment.output.environmentUrl)) {
    // The environment step has run by now (and recorded the connection's environment and tenant): what the
    // permissions were checked in must be what it chose, whether it read it again or took the plan's.
    return { reuse: false, why: "the run's environment is not the one the plan checked" };
  } else if (q.step === "applicationUser" && !sameText(q.environmentUrl ?? null, f.dataverse!.environmentUrl)) {
    return { reuse: false, why: "the run's environment is not the one the plan read" };
  }
  return { reuse: true };
}

/** The stored plan without its findings: what a page shows, and what a retried run keeps (it must look again). */
export function stripPlanFindings<T>(plan: T): T {
  if (!plan || typeof plan !== "object" || !("findings" in plan)) return plan;
  const { findings: _dropped, ...rest } = plan as T & { findings?: unknown };
  return rest as T;
}
