import "server-only";
import { appError } from "../../core/errors";
import { log } from "../../core/log";
import { DATAVERSE_ROLE_TEMPLATES, DIRECTORY_ROLE_TEMPLATES } from "../../microsoft/constants";
import { listUserRoles, listUserTeamRoles, whoAmI } from "../../microsoft/dataverse";
import { isMicrosoftError } from "../../microsoft/errors";
import {
  getPerUserMfaState,
  getSecurityDefaults,
  listConditionalAccessPolicies,
  listDirectoryRoles,
  listEligibleDirectoryRoles,
  type PerUserMfaState,
} from "../../microsoft/graph";
import { conditionalAccessWarnings, type CaPolicy } from "../conditional-access";
import { done, outcomeFromError, requireFact, type StepContext } from "./step-context";
import { reusablePlanFindings } from "./plan-findings";
import type { StepResult } from "../runner";
import type { MissingRole, ProblemReason } from "../../domain/run/plan";

/** Directory roles that can register apps and grant tenant-wide consent (Microsoft's least-privileged set for it). */
const CONSENT_CAPABLE_ROLES: Record<string, string> = {
  [DIRECTORY_ROLE_TEMPLATES.globalAdministrator]: "Global Administrator",
  [DIRECTORY_ROLE_TEMPLATES.applicationAdministrator]: "Application Administrator",
  [DIRECTORY_ROLE_TEMPLATES.cloudApplicationAdministrator]: "Cloud Application Administrator",
};

/** Directory roles that may read another user's per-user MFA state (Graph `authentication/requirements`). */
const MFA_READER_ROLES: Record<string, string> = {
  [DIRECTORY_ROLE_TEMPLATES.globalAdministrator]: "Global Administrator",
  [DIRECTORY_ROLE_TEMPLATES.globalReader]: "Global Reader",
  [DIRECTORY_ROLE_TEMPLATES.authenticationPolicyAdministrator]: "Authentication Policy Administrator",
  [DIRECTORY_ROLE_TEMPLATES.authenticationAdministrator]: "Authentication Administrator",
  [DIRECTORY_ROLE_TEMPLATES.privilegedAuthenticationAdministrator]: "Privileged Authentication Administrator",
};

/** Tenant admins Microsoft lets self-elevate to System Administrator in an environment (Power Platform admin center). */
const SELF_ELEVATING_ROLES: Record<string, string> = {
  [DIRECTORY_ROLE_TEMPLATES.globalAdministrator]: "Global Administrator",
  [DIRECTORY_ROLE_TEMPLATES.powerPlatformAdministrator]: "Power Platform Administrator",
  [DIRECTORY_ROLE_TEMPLATES.dynamics365Administrator]: "Dynamics 365 Administrator",
};

export type PreconditionFacts = {
  /** Held (active) directly or through a role-assignable group. */
  directoryRoleTemplateIds: string[];
  /**
   * Roles the admin may activate in Privileged Identity Management, read only when no active role suffices: null when
   * Microsoft would not say (the sign-in may not read eligibility), absent when not read.
   */
  eligibleDirectoryRoleTemplateIds?: string[] | null;
  /** Security role templates held directly or through a team; null when the admin is not a user of the environment. */
  environmentRoleTemplateIds: string[] | null;
  integrationUser?: {
    mfaState: PerUserMfaState;
    securityDefaultsEnabled: boolean;
    /** The tenant's Conditional Access policies; null when Microsoft would not let this sign-in read them. */
    conditionalAccess?: CaPolicy[] | null;
  };
};

const DIRECTORY_ROLE_NEED: MissingRole = {
  kind: "directoryRole",
  role: "Global Administrator, Application Administrator or Cloud Application Administrator (Microsoft Entra ID)",
  grantedBy: "A Global Administrator or Privileged Role Administrator of your organization (Microsoft Entra admin center › Roles and administrators)",
  steps: ["preconditions", "appRegistration", "adminConsent"],
};

const ENVIRONMENT_ROLE_NEED: MissingRole = {
  kind: "environmentRole",
  role: "System Administrator of the Dynamics 365 environment",
  grantedBy:
    "A Global Administrator, Power Platform Administrator, Dynamics 365 Administrator or the environment's System Administrator (Power Platform admin center › Environments › Users)",
  steps: ["preconditions", "applicationUser"],
};

/**
 * Why a precondition is unmet, finer than the error code (both MFA causes share `mfa_required`), so a page can say
 * exactly what is wrong and offer the way out that fits.
 */
export type Problem = { code: "insufficient_privileges" | "mfa_required"; reason: ProblemReason; message: string; need?: MissingRole };

/**
 * The ways out of an MFA refusal in legacy mode. Never "turn MFA off": the recommended mode needs no password at all,
 * and an organization that must keep a password account excludes one dedicated account with its own policy.
 */
const MFA_WAYS_OUT =
  "Use the recommended app-only mode, which needs no password and works with MFA on for everyone; or enter a dedicated integration account (not a person's, not an administrator's) that your organization's own Conditional Access policy excludes from MFA.";

/** Pure: each unmet precondition, in plain words with what to do about it. */
export function findProblems(facts: PreconditionFacts, mode: "cloud" | "legacy"): Problem[] {
  const problems: Problem[] = [];
  if (!facts.directoryRoleTemplateIds.some((id) => id in CONSENT_CAPABLE_ROLES))
    problems.push(directoryRoleProblem(facts.eligibleDirectoryRoleTemplateIds));
  const canSelfElevate = facts.directoryRoleTemplateIds.find((id) => id in SELF_ELEVATING_ROLES);
  const selfElevate = canSelfElevate
    ? ` As a ${SELF_ELEVATING_ROLES[canSelfElevate]} you can give yourself that role: in Power Platform admin center open Manage › Environments, select this environment, choose Membership, then Add me (Microsoft no longer gives it to tenant admins automatically; see learn.microsoft.com/power-platform/admin/manage-high-privileged-admin-roles). Then start again.`
    : " Ask a Global Administrator, Power Platform Administrator or the environment's administrator to give you that security role (Power Platform admin center › Environments › Users).";
  if (facts.environmentRoleTemplateIds === null) {
    problems.push({
      code: "insufficient_privileges",
      reason: "environment_role",
      need: ENVIRONMENT_ROLE_NEED,
      message: `You are not a user of this Dynamics 365 environment with the System Administrator security role, which creating the application user requires.${selfElevate}`,
    });
  } else if (!facts.environmentRoleTemplateIds.includes(DATAVERSE_ROLE_TEMPLATES.systemAdministrator)) {
    problems.push({
      code: "insufficient_privileges",
      reason: "environment_role",
      need: ENVIRONMENT_ROLE_NEED,
      message: `You are not a System Administrator of this Dynamics 365 environment (directly or through a team), which creating the application user requires.${selfElevate}`,
    });
  }
  if (mode === "legacy" && facts.integrationUser) {
    if (facts.integrationUser.mfaState !== "disabled" && facts.integrationUser.mfaState !== "unknown") {
      problems.push({
        code: "mfa_required",
        reason: "mfa_enforced",
        message: `The integration user must use multi-factor authentication (MFA), but legacy mode signs in with the password alone, so Microsoft would refuse every sign-in Act-On makes. ${MFA_WAYS_OUT}`,
      });
    }
    if (facts.integrationUser.securityDefaultsEnabled) {
      problems.push({
        code: "mfa_required",
        reason: "security_defaults",
        message:
          "Security defaults are on in your tenant, so Microsoft asks for MFA at password sign-ins and legacy mode cannot work. Use the recommended app-only mode, which needs no password. Security defaults cannot exclude an account: only if your organization protects its users with its own Conditional Access policies instead (which keep MFA required for all administrators) can a dedicated integration account be excluded from MFA there.",
      });
    }
  }
  return problems;
}

/** Where an admin activates an eligible role (Microsoft Entra's "My roles" in Privileged Identity Management). */
const PIM_MY_ROLES = "Microsoft Entra admin center › Identity governance › Privileged Identity Management › My roles";

/**
 * Pure: the missing directory role, in the words that fit. A role that is only eligible in Privileged Identity
 * Management grants nothing until activated, and Microsoft lists it in no membership: the admin activates it rather
 * than asks anyone. When eligibility could not be read, that it may be the cause is said too.
 */
function directoryRoleProblem(eligible: string[] | null | undefined): Problem {
  const activatable = (eligible ?? []).find((id) => id in CONSENT_CAPABLE_ROLES);
  if (activatable) {
    const role = CONSENT_CAPABLE_ROLES[activatable];
    return {
      code: "insufficient_privileges",
      reason: "directory_role_inactive",
      need: DIRECTORY_ROLE_NEED,
      message: `Your ${role} role is eligible but not active. Activate your ${role} role in Privileged Identity Management (${PIM_MY_ROLES}), then continue.`,
    };
  }
  const maybeEligible =
    eligible === null
      ? ` If your organization uses Privileged Identity Management and one of these roles is eligible for you, activate it (${PIM_MY_ROLES}) and continue: Microsoft did not let us check.`
      : "";
  return {
    code: "insufficient_privileges",
    reason: "directory_role",
    need: DIRECTORY_ROLE_NEED,
    message: `Your Microsoft account cannot register apps and grant consent for your organization. Ask a Global Administrator to give you the Application Administrator or Cloud Application Administrator role (Microsoft Entra admin center › Roles and administrators), or to run this setup.${maybeEligible}`,
  };
}

/** Pure: what the admin should know but need not fix (the plan shows these as notes). */
export function findWarnings(facts: PreconditionFacts, mode: "cloud" | "legacy"): string[] {
  const warnings: string[] = [];
  if (mode === "legacy" && facts.integrationUser?.mfaState === "unknown") {
    const canRead = facts.directoryRoleTemplateIds.some((id) => id in MFA_READER_ROLES);
    warnings.push(
      canRead
        ? "Microsoft did not tell us whether multi-factor authentication is on for the integration user. If it is, the app is still registered but the final check fails with an MFA message; then use the recommended app-only mode, or a dedicated integration account that your organization's Conditional Access policy excludes from MFA."
        : "We could not check whether multi-factor authentication is on for the integration user: reading it needs the Global Reader or Authentication Policy Administrator role, which your account does not have. If MFA is on for that user, the app is still registered but the final check fails with an MFA message; sign in with one of those roles to check it up front, or use the recommended app-only mode.",
    );
  }
  // Security defaults already block legacy mode outright (a problem above); Conditional Access replaces them.
  if (
    mode === "legacy" &&
    facts.integrationUser &&
    !facts.integrationUser.securityDefaultsEnabled &&
    facts.integrationUser.conditionalAccess !== undefined
  )
    warnings.push(...conditionalAccessWarnings(facts.integrationUser.conditionalAccess));
  return warnings;
}

/** Reads the facts the preconditions depend on, concurrently. @throws MicrosoftError */
export async function gatherPreconditionFacts(ctx: StepContext, environmentUrl: string): Promise<PreconditionFacts> {
  const dataverse = ctx.dataverse(environmentUrl);
  const environmentRoles = async (): Promise<string[] | null> => {
    let me;
    try {
      me = await whoAmI(dataverse);
    } catch (error) {
      // 403 0x80072560 "not a member of the organization" means exactly that here.
      if (isMicrosoftError(error) && error.upstreamCode?.toLowerCase() === "0x80072560") return null;
      throw error;
    }
    try {
      const direct = (await listUserRoles(dataverse, { systemUserId: me.userId })).map((r) => r.templateId).filter((id): id is string => !!id);
      if (direct.includes(DATAVERSE_ROLE_TEMPLATES.systemAdministrator)) return direct;
      // System Administrator may come through a team the admin belongs to.
      const teamRoles = await listUserTeamRoles(dataverse, { systemUserId: me.userId }).catch((error: unknown) => {
        // An environment that cannot answer team membership (not found / not understood) simply shows no team roles.
        if (isMicrosoftError(error, "not_found", "invalid_input")) {
          log.warn("provisioning: team roles unreadable; judging System Administrator by direct roles", { code: error.appError.code });
          return [];
        }
        throw error;
      });
      const viaTeams = teamRoles.map((r) => r.templateId).filter((id): id is string => !!id);
      return [...new Set([...direct, ...viaTeams])];
    } catch (error) {
      // A user who may not even read security roles is certainly not a System Administrator.
      if (isMicrosoftError(error, "insufficient_privileges")) return [];
      throw error;
    }
  };
  const integrationUser = async () => {
    if (ctx.options.mode !== "legacy") return undefined;
    const username = requireFact(ctx.options.integrationUsername ?? ctx.connection.integrationUsername, "the integration user name");
    const [mfaState, defaults, conditionalAccess] = await Promise.all([
      // Without a role that may read authentication methods Microsoft refuses; "unknown" then, with its consequence.
      (await directoryRoles).some((r) => r.roleTemplateId in MFA_READER_ROLES)
        ? getPerUserMfaState(ctx.graph(), { userId: username })
        : Promise.resolve("unknown" as const),
      getSecurityDefaults(ctx.graph()),
      listConditionalAccessPolicies(ctx.graph()),
    ]);
    return { mfaState, securityDefaultsEnabled: defaults.isEnabled, conditionalAccess };
  };
  const directoryRoles = listDirectoryRoles(ctx.graph());
  // Eligibility is read only when no active role suffices: most admins never need the extra call.
  const eligibleRoles = async () => {
    const active = await directoryRoles;
    return active.some((r) => r.roleTemplateId in CONSENT_CAPABLE_ROLES) ? undefined : listEligibleDirectoryRoles(ctx.graph());
  };
  const [roles, eligible, environmentRoleTemplateIds, integration] = await Promise.all([
    directoryRoles,
    eligibleRoles(),
    environmentRoles(),
    integrationUser(),
  ]);
  return {
    directoryRoleTemplateIds: roles.map((r) => r.roleTemplateId),
    ...(eligible !== undefined ? { eligibleDirectoryRoleTemplateIds: eligible } : {}),
    environmentRoleTemplateIds,
    integrationUser: integration,
  };
}

/** The consent-capable directory roles the admin holds, by name: what the step records (and the plan keeps). */
export function consentCapableRoleNames(facts: PreconditionFacts): string[] {
  return facts.directoryRoleTemplateIds.filter((id) => id in CONSENT_CAPABLE_ROLES).map((id) => CONSENT_CAPABLE_ROLES[id]);
}

/**
 * Step 2: the admin can do what the next steps need; in legacy mode the integration user can sign in by password.
 * Right after the admin approved a plan that checked all this moments ago, as the same person and in the same
 * environment, it takes the plan's answer (reusablePlanFindings); otherwise it checks again.
 */
export async function runPreconditionsStep(ctx: StepContext): Promise<StepResult> {
  const environmentUrl = requireFact(ctx.outputOf("environment")?.environmentUrl as string | undefined, "the environment URL");
  const planned = reusablePlanFindings(ctx, "preconditions");
  if (planned?.preconditions) return done({ directoryRoles: planned.preconditions.directoryRoles, checkedWhilePlanning: planned.readAt });
  try {
    const facts = await gatherPreconditionFacts(ctx, environmentUrl);
    const problems = findProblems(facts, ctx.options.mode === "legacy" ? "legacy" : "cloud");
    if (problems.length > 0) {
      return {
        kind: "fail",
        error: appError(problems[0].code, problems.map((p) => p.message).join(" "), { detail: problems.map((p) => p.code).join(",") }),
      };
    }
    return done({ directoryRoles: consentCapableRoleNames(facts) });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to answer the permission checks");
  }
}
