import "server-only";
import { log } from "../../core/log";
import { mayReusePlanFindings, type PlanFindings, type RunBasis } from "../../domain/run/plan-findings";
import type { Plan } from "../../domain/run/plan";
import type { StepContext } from "./step-context";

/** What the step's own reads would depend on now, besides Microsoft (compared with what the plan's did). */
export function runBasisOf(ctx: Pick<StepContext, "options" | "connection">): RunBasis {
  return {
    requestedEnvironment: ctx.options.environment ?? ctx.connection.environmentUrl ?? null,
    connectionTenantId: ctx.connection.tenantId,
    integrationUsername: ctx.options.integrationUsername ?? ctx.connection.integrationUsername ?? null,
  };
}

/**
 * The plan's findings when this step may take them instead of reading again (see mayReusePlanFindings), else null:
 * then the step reads as it always did. `ahead` asks for a step still to come (its next attempt), without a log line.
 */
export function reusablePlanFindings(
  ctx: Pick<StepContext, "run" | "step" | "now" | "session" | "options" | "connection" | "outputOf">,
  step: "environment" | "preconditions" | "adminConsent" | "applicationUser",
  ahead?: { attempt: number },
): PlanFindings | null {
  const findings = (ctx.run.plan as Plan | null)?.findings;
  const attempt = ahead?.attempt ?? ctx.run.steps.find((s) => s.name === ctx.step)?.attempts ?? 0;
  const answer = mayReusePlanFindings({
    step,
    findings,
    now: ctx.now(),
    attempt,
    actingAs: ctx.session?.homeAccountId ?? null,
    basis: runBasisOf(ctx),
    environmentUrl: (ctx.outputOf("environment")?.environmentUrl as string | undefined) ?? null,
    tenantId: ctx.connection.tenantId,
  });
  if (!answer.reuse) {
    if (findings && !ahead) log.info("provisioning: reading again what the plan read", { runId: ctx.run.id, step, why: answer.why });
    return null;
  }
  return findings!;
}
