import "server-only";
import { appError, fail, type Result } from "../core/errors";
import { claimDueProbes, finishProbeClaim, placeUnscheduledProbes, renewProbeClaim } from "../domain/connection/probe-claims";
import { nextProbeAt } from "../domain/connection/probe-schedule";
import { dbNow } from "../domain/run/run-store";
import { probeConnection, type ProbeDeps, type ProbeReport } from "./probe-connection";

/** What probing due connections needs beyond one probe: who holds the claims, for how long, and the probe interval. */
export type DueProbeDeps = ProbeDeps & { owner: string; leaseMs: number; intervalMs: number };

/**
 * Probes one connection this instance claimed, renewing the claim while the probe runs (a Retry-After can make a probe
 * wait) and stopping its calls if the claim is lost, then puts the connection back on the schedule: healthy and failing
 * ones at their next phase, degraded ones sooner with backoff (probe-schedule.ts). A connection that could not be
 * probed (it stopped being Active meanwhile, or its secret cannot be opened) comes back after an interval.
 */
export async function runClaimedProbe(deps: DueProbeDeps, connectionId: string): Promise<Result<ProbeReport>> {
  const lease = new AbortController();
  const renew = setInterval(
    () => {
      renewProbeClaim(deps.db, { connectionId, owner: deps.owner, leaseMs: deps.leaseMs }).then(
        (kept) => kept || lease.abort(new Error("health: the probe's claim was lost")),
        () => lease.abort(new Error("health: the probe's claim could not be renewed")),
      );
    },
    Math.max(100, Math.floor(deps.leaseMs / 3)),
  );
  let result: Result<ProbeReport>;
  try {
    result = await probeConnection({ ...deps, call: { ...deps.call, signal: lease.signal } }, { connectionId });
  } catch (error) {
    if (!lease.signal.aborted) throw error;
    return fail(appError("conflict", "Another instance took over this probe.", { detail: String(lease.signal.reason) }));
  } finally {
    clearInterval(renew);
  }
  const at = result.ok ? result.value.checkedAt : await dbNow(deps.db);
  const failures =
    result.ok && result.value.state === "degraded"
      ? ((await deps.db.connection.findUnique({ where: { id: connectionId }, select: { healthFailures: true } }))?.healthFailures ?? 1)
      : 0;
  const state = result.ok ? result.value.state : "failing";
  await finishProbeClaim(deps.db, {
    connectionId,
    owner: deps.owner,
    nextDueAt: nextProbeAt({ connectionId, state, failures, at, intervalMs: deps.intervalMs }),
  });
  return result;
}

export type DueProbeSummary = { probed: number; healthy: number; degraded: number; failing: number; notProbed: number };

/**
 * Runs every probe that is due now, once, `concurrency` at a time, under `deps.owner`'s claims (so it never probes a
 * connection a portal instance is probing at the same moment), reporting each as it ends. For `npm run probe -- --due`;
 * the portal's scheduler runs the same claims and probes continuously.
 */
export async function probeDueConnections(
  deps: DueProbeDeps,
  options: { concurrency: number; onProbed: (connectionId: string, result: Result<ProbeReport>) => void },
): Promise<DueProbeSummary> {
  const summary: DueProbeSummary = { probed: 0, healthy: 0, degraded: 0, failing: 0, notProbed: 0 };
  await placeUnscheduledProbes(deps.db, { intervalMs: deps.intervalMs, limit: 10_000 });
  for (;;) {
    const claimed = await claimDueProbes(deps.db, { owner: deps.owner, leaseMs: deps.leaseMs, limit: options.concurrency });
    if (claimed.length === 0) return summary;
    await Promise.all(
      claimed.map(async (connectionId) => {
        const result = await runClaimedProbe(deps, connectionId);
        if (result.ok) {
          summary.probed++;
          summary[result.value.state]++;
        } else summary.notProbed++;
        options.onProbed(connectionId, result);
      }),
    );
  }
}
