import "server-only";
import { appError } from "../../errors";
import { DATAVERSE_ROLE_TEMPLATES, DIRECTORY_ROLE_TEMPLATES } from "../../microsoft/constants";
import { listUserRoles, whoAmI } from "../../microsoft/dataverse";
import { isMicrosoftError } from "../../microsoft/errors";
import { getPerUserMfaState, getSecurityDefaults, listDirectoryRoles, type PerUserMfaState } from "../../microsoft/graph";
import { done, outcomeFromError, requireFact, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/** Directory roles that can register apps and grant tenant-wide consent (Microsoft's least-privileged set for it). */
export const CONSENT_CAPABLE_ROLES: Record<string, string> = {
  [DIRECTORY_ROLE_TEMPLATES.globalAdministrator]: "Global Administrator",
  [DIRECTORY_ROLE_TEMPLATES.applicationAdministrator]: "Application Administrator",
  [DIRECTORY_ROLE_TEMPLATES.cloudApplicationAdministrator]: "Cloud Application Administrator",
};

export type PreconditionFacts = {
  directoryRoleTemplateIds: string[];
  /** null when the admin is not a user of the environment at all. */
  environmentRoleTemplateIds: string[] | null;
  integrationUser?: { mfaState: PerUserMfaState; securityDefaultsEnabled: boolean };
};

export type Problem = { code: "insufficient_privileges" | "mfa_required"; message: string };

/** Pure: each unmet precondition, in plain words with what to do about it. */
export function findProblems(facts: PreconditionFacts, mode: "cloud" | "legacy"): Problem[] {
  const problems: Problem[] = [];
  if (!facts.directoryRoleTemplateIds.some((id) => id in CONSENT_CAPABLE_ROLES)) {
    problems.push({
      code: "insufficient_privileges",
      message:
        "Your Microsoft account cannot register apps and grant consent for your organization. Ask a Global Administrator to give you the Application Administrator or Cloud Application Administrator role (Microsoft Entra admin center › Roles and administrators), or to run this setup.",
    });
  }
  if (facts.environmentRoleTemplateIds === null) {
    problems.push({
      code: "insufficient_privileges",
      message:
        "You are not a user of this Dynamics 365 environment. Ask its administrator to add you with the System Administrator role (Power Platform admin center › Environments › Users).",
    });
  } else if (!facts.environmentRoleTemplateIds.includes(DATAVERSE_ROLE_TEMPLATES.systemAdministrator)) {
    problems.push({
      code: "insufficient_privileges",
      message:
        "You are not a System Administrator of this Dynamics 365 environment, which creating the application user requires. Ask its administrator to give you that security role.",
    });
  }
  if (mode === "legacy" && facts.integrationUser) {
    if (facts.integrationUser.mfaState !== "disabled" && facts.integrationUser.mfaState !== "unknown") {
      problems.push({
        code: "mfa_required",
        message:
          "The integration user must sign in with a password alone in legacy mode, but multi-factor authentication is turned on for them. Turn per-user MFA off for that user (Microsoft 365 admin center › Active users › Multi-factor authentication), or use the recommended app-only mode, which needs no password.",
      });
    }
    if (facts.integrationUser.securityDefaultsEnabled) {
      problems.push({
        code: "mfa_required",
        message:
          "Security defaults are on in your tenant, so Microsoft requires MFA for password sign-ins and legacy mode cannot work. Use the recommended app-only mode, or turn security defaults off (Microsoft Entra admin center › Properties).",
      });
    }
  }
  return problems;
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
      const roles = await listUserRoles(dataverse, { systemUserId: me.userId });
      return roles.map((r) => r.templateId).filter((id): id is string => !!id);
    } catch (error) {
      // A user who may not even read security roles is certainly not a System Administrator.
      if (isMicrosoftError(error, "insufficient_privileges")) return [];
      throw error;
    }
  };
  const integrationUser = async () => {
    if (ctx.options.mode !== "legacy") return undefined;
    const username = requireFact(ctx.options.integrationUsername ?? ctx.connection.integrationUsername, "the integration user name");
    const [mfaState, defaults] = await Promise.all([getPerUserMfaState(ctx.graph(), { userId: username }), getSecurityDefaults(ctx.graph())]);
    return { mfaState, securityDefaultsEnabled: defaults.isEnabled };
  };
  const [roles, environmentRoleTemplateIds, integration] = await Promise.all([
    listDirectoryRoles(ctx.graph()),
    environmentRoles(),
    integrationUser(),
  ]);
  return { directoryRoleTemplateIds: roles.map((r) => r.roleTemplateId), environmentRoleTemplateIds, integrationUser: integration };
}

/** Step 2: the admin can do what the next steps need; in legacy mode the integration user can sign in by password. */
export async function runPreconditionsStep(ctx: StepContext): Promise<StepResult> {
  const environmentUrl = requireFact(ctx.outputOf("environment")?.environmentUrl as string | undefined, "the environment URL");
  try {
    const facts = await gatherPreconditionFacts(ctx, environmentUrl);
    const problems = findProblems(facts, ctx.options.mode === "legacy" ? "legacy" : "cloud");
    if (problems.length > 0) {
      return {
        kind: "fail",
        error: appError(problems[0].code, problems.map((p) => p.message).join(" "), { detail: problems.map((p) => p.code).join(",") }),
      };
    }
    return done({
      directoryRoles: facts.directoryRoleTemplateIds.filter((id) => id in CONSENT_CAPABLE_ROLES).map((id) => CONSENT_CAPABLE_ROLES[id]),
    });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to answer the permission checks");
  }
}
