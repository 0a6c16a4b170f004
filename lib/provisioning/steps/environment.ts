import "server-only";
import { appError } from "../../core/errors";
import { listEnvironments, type DynamicsEnvironment } from "../../microsoft/discovery";
import { normalizeDynamicsUrl } from "../../microsoft/dynamics-url";
import { sameServiceUrl } from "../../microsoft/identity-config";
import { guardPublicAddress } from "../../core/net/public-address-guard";
import { getSignedInAdmin, type SignedInAdmin } from "../../microsoft/graph";
import { done, outcomeFromError, type StepContext } from "./step-context";
import { reusablePlanFindings } from "./plan-findings";
import type { EnvironmentFindings } from "../../domain/run/plan-findings";
import type { StepResult } from "../runner";

export type EnvironmentChoice =
  | { kind: "resolved"; url: string; name: string | null; environmentId: string | null; organizationId: string | null; fromDiscovery: boolean }
  | { kind: "ambiguous"; candidates: DynamicsEnvironment[] }
  | { kind: "invalid"; message: string; detail: string };

/**
 * Picks the environment: a pasted URL (only on an allowed Dynamics host: tokens go nowhere else), a name matched
 * against the environments Global Discovery lists for the admin, or the admin's only environment.
 */
export function chooseEnvironment(requested: string | undefined, discovered: DynamicsEnvironment[], allowedHosts: string[]): EnvironmentChoice {
  const enabled = discovered.filter((e) => e.state === "enabled");
  if (requested && /^[a-z]+:\/\//i.test(requested)) {
    const url = normalizeDynamicsUrl(requested, allowedHosts);
    if (!url.ok) return { kind: "invalid", message: url.error.userMessage, detail: url.error.detail ?? "" };
    // People paste the Web API endpoint too (`…/api/data/v9.2`): the environment is the part before it.
    const base = url.value.replace(/\/api\/data\/v\d+(\.\d+)?$/i, "");
    const match = discovered.find((e) => sameServiceUrl(e.url, base) || sameServiceUrl(e.apiUrl, base));
    // A pasted Web API address (Discovery's ApiUrl, e.g. org.api.crm.dynamics.com) is not the token audience: the
    // environment's URL is. Use the matched environment's URL for tokens and calls alike.
    const canonical = match ? normalizeDynamicsUrl(match.url, allowedHosts) : url;
    if (!canonical.ok) return { kind: "invalid", message: canonical.error.userMessage, detail: canonical.error.detail ?? "" };
    return {
      kind: "resolved",
      url: canonical.value,
      name: match?.friendlyName ?? null,
      environmentId: match?.environmentId ?? null,
      organizationId: match?.id ?? null,
      fromDiscovery: !!match,
    };
  }
  const wanted = requested?.trim().toLowerCase();
  const matches = wanted ? enabled.filter((e) => [e.friendlyName, e.uniqueName].some((n) => n.toLowerCase() === wanted)) : enabled;
  if (matches.length !== 1) {
    if (wanted && matches.length === 0) {
      return {
        kind: "invalid",
        message: `No Dynamics 365 environment named “${requested}” is available to you. Choose one of yours, or paste its URL.`,
        detail: `${enabled.length} environment(s) discovered`,
      };
    }
    return { kind: "ambiguous", candidates: enabled };
  }
  const env = matches[0];
  const url = normalizeDynamicsUrl(env.url, allowedHosts);
  if (!url.ok) return { kind: "invalid", message: url.error.userMessage, detail: url.error.detail ?? "" };
  return { kind: "resolved", url: url.value, name: env.friendlyName, environmentId: env.environmentId, organizationId: env.id, fromDiscovery: true };
}

/** What the step records for a chosen environment and the signed-in admin; the plan keeps the same (plan-findings.ts). */
export function environmentFindings(choice: EnvironmentChoice & { kind: "resolved" }, admin: SignedInAdmin): EnvironmentFindings {
  return {
    output: {
      environmentUrl: choice.url,
      environmentName: choice.name,
      organizationId: choice.organizationId,
      tenantId: admin.tenantId,
      adminUserId: admin.userId,
      adminUpn: admin.userPrincipalName,
    },
    connectionPatch: {
      environmentUrl: choice.url,
      environmentName: choice.name,
      environmentId: choice.environmentId,
      tenantId: admin.tenantId,
      tenantDomain: admin.tenantDomain ?? admin.initialDomain,
    },
  };
}

/**
 * Step 1 (cloud, legacy, migration): who the admin is, in which tenant, and which environment to connect. Right after
 * the admin approved a plan read moments ago, as the same person, it takes what the plan read (reusablePlanFindings);
 * otherwise it reads again.
 */
export async function runEnvironmentStep(ctx: StepContext): Promise<StepResult> {
  if (ctx.options.mode === "onprem") return runOnPremisesEnvironmentStep(ctx);
  const planned = reusablePlanFindings(ctx, "environment");
  if (planned)
    return done({ ...planned.environment.output, checkedWhilePlanning: planned.readAt }, { connectionPatch: planned.environment.connectionPatch });
  try {
    // Independent reads, concurrently: the admin and tenant (Graph) and the admin's environments (Discovery).
    const requested = ctx.options.environment ?? ctx.connection.environmentUrl ?? undefined;
    const [admin, environments] = await Promise.all([getSignedInAdmin(ctx.graph()), listEnvironments(ctx.discovery())]);
    const choice = chooseEnvironment(requested, environments, ctx.config.allowedDynamicsHosts);
    if (choice.kind === "invalid") return { kind: "fail", error: appError("environment_not_allowed", choice.message, { detail: choice.detail }) };
    if (choice.kind === "ambiguous") {
      const names = choice.candidates.map((e) => `${e.friendlyName} (${e.url})`).join(", ");
      return {
        kind: "fail",
        error: appError(
          "invalid_input",
          choice.candidates.length === 0
            ? "Microsoft lists no Dynamics 365 environment where you are an enabled user. Sign in with an account of the environment, or paste its URL."
            : `You have several Dynamics 365 environments; choose one: ${names}.`,
        ),
      };
    }
    const found = environmentFindings(choice, admin);
    return done(found.output, { connectionPatch: found.connectionPatch });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to list your environments");
  }
}

/**
 * On-premises: the URL is checked here (HTTPS, a host whose addresses are all public unless configured otherwise);
 * the credentials are checked by the verify step, which checks the address again and pins the request to it.
 */
async function runOnPremisesEnvironmentStep(ctx: StepContext): Promise<StepResult> {
  const requested = ctx.options.environment ?? ctx.connection.environmentUrl;
  if (!requested)
    return { kind: "fail", error: appError("invalid_input", "Enter your Dynamics 365 server's URL, e.g. https://crm.contoso.com/contoso.") };
  const target = await guardPublicAddress(requested, { allowedPrivateHosts: ctx.config.onPremisesAllowedPrivateHosts });
  if (!target.ok) return { kind: "fail", error: target.error };
  return done({ environmentUrl: target.value.url }, { connectionPatch: { environmentUrl: target.value.url } });
}
