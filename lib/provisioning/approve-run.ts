import "server-only";
import { recordAuditEvent, type AuditActor } from "../audit/record-audit-event";
import { appError, fail, type Result } from "../errors";
import type { Engine } from "./engine";
import { getRunView } from "./get-run-view";
import type { Plan } from "./plan";
import type { RunView } from "./run-view";
import { loadRun, transitionRunStatus } from "./store";
import type { Prisma } from "@/generated/sqlite/client";

/** The admin approves the plan: the run becomes pending and any runner may pick it up. Blockers must be fixed first. */
export async function approveRun(engine: Engine, input: { runId: string; actor: AuditActor }): Promise<Result<RunView>> {
  const run = await loadRun(engine.db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  if (run.status !== "awaitingApproval")
    return fail(appError("conflict", `This run is ${run.status}; only a run awaiting approval can be approved.`));
  const plan = run.plan as Plan | null;
  if (plan?.blockers.length) {
    return fail(appError("insufficient_privileges", `Fix these first, then start again: ${plan.blockers.map((b) => b.message).join(" ")}`));
  }
  // Remember how the connection stood: a re-run or migration of a working connection must not mark it broken (the
  // old credential keeps working until the new one is verified), and a cancel puts it back.
  const connection = await engine.db.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: { status: true } });
  const options = { ...run.options, connectionStatusBefore: connection.status };
  const moved = await transitionRunStatus(engine.db, run, ["awaitingApproval"], {
    status: "pending",
    approvedAt: new Date(),
    approvedBy: input.actor.id,
    options: options as Prisma.InputJsonObject,
  });
  if (!moved) return fail(appError("conflict", "The run changed while you were approving it. Reload and try again."));
  if (run.kind !== "disconnect" && connection.status !== "active") {
    await engine.db.connection.update({ where: { id: run.connectionId }, data: { status: "provisioning" } });
  }
  await recordAuditEvent(engine.db, { actor: input.actor, action: "run.approved", connectionId: run.connectionId, runId: run.id });
  return getRunView(engine.db, run.id);
}
