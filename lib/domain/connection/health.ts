import "server-only";
import type { Db } from "../../core/db";
import { enqueueHealthChangedEvent } from "../webhook-outbox/enqueue-webhook-events";
import { asHealthCause, nextHealth, type HealthCause, type HealthTransition, type ProbeOutcome } from "./health-machine";

/** What one probe found: passed, or the cause and a detail for support (Microsoft's status, code, request ids). */
export type ProbeFinding = { ok: true } | { ok: false; cause: HealthCause; detail: string };

export type RecordedProbe = HealthTransition & { previous: { state: string | null; cause: string | null } };

/**
 * Records one probe of a connection: its history row, the connection's health (moved by the pure rules in
 * health-machine.ts) and, when the state or cause changed, a `connection.health_changed` event in the webhook outbox,
 * all in one transaction. The health moves by compare-and-set on the last check time: two probes of one connection
 * that race never both apply their transition to the same old state (the loser re-reads and applies its own on top).
 */
export async function recordHealthProbe(
  db: Db,
  input: { connectionId: string; at: Date; finding: ProbeFinding; durationMs: number; retryBudgetMs?: number },
): Promise<RecordedProbe> {
  const outcome: ProbeOutcome = input.finding.ok ? { ok: true } : { ok: false, cause: input.finding.cause };
  for (let attempt = 0; ; attempt++) {
    const recorded = await db.$transaction(async (tx) => {
      const current = await tx.connection.findUniqueOrThrow({
        where: { id: input.connectionId },
        select: { healthState: true, healthCause: true, healthSince: true, healthCheckedAt: true, healthFailures: true },
      });
      const transition = nextHealth(
        { state: current.healthState, cause: asHealthCause(current.healthCause), since: current.healthSince, failures: current.healthFailures },
        outcome,
        input.at,
      );
      const { next } = transition;
      const moved = await tx.connection.updateMany({
        where: { id: input.connectionId, healthCheckedAt: current.healthCheckedAt },
        data: { healthState: next.state, healthCause: next.cause, healthSince: next.since, healthCheckedAt: input.at, healthFailures: next.failures },
      });
      if (moved.count === 0) return null;
      await tx.healthProbe.create({
        data: {
          connectionId: input.connectionId,
          at: input.at,
          ok: input.finding.ok,
          state: next.state,
          cause: input.finding.ok ? null : input.finding.cause,
          detail: input.finding.ok ? null : input.finding.detail,
          durationMs: Math.max(0, Math.round(input.durationMs)),
        },
      });
      if (transition.changed) {
        await enqueueHealthChangedEvent(
          tx,
          {
            connectionId: input.connectionId,
            state: next.state,
            cause: next.cause,
            since: next.since,
            previousState: current.healthState,
            previousCause: current.healthCause,
            at: input.at,
          },
          { retryBudgetMs: input.retryBudgetMs },
        );
      }
      return { ...transition, previous: { state: current.healthState, cause: current.healthCause } };
    });
    if (recorded) return recorded;
    if (attempt >= 4) throw new Error(`health: connection ${input.connectionId} kept changing under the probe; not recorded`);
  }
}
