import "server-only";
import { log } from "../../core/log";
import { claimDueProbes, placeUnscheduledProbes, releaseProbeClaims } from "../../domain/connection/probe-claims";
import { runClaimedProbe, type DueProbeDeps } from "../../health/probe-due-connections";
import type { ProbeReport } from "../../health/probe-connection";
import type { JobKind } from "../scheduler";

/** Active connections put on the probe schedule per poll (a first deployment spreads its whole fleet this way). */
const PLACE_PER_POLL = 500;

/**
 * Health probes as a job kind: Active cloud and on-premises connections whose probe is due (probe-schedule.ts), claimed with a lease on
 * the database's clock (SKIP LOCKED on PostgreSQL), each probed by probe-connection.ts and put back on the schedule.
 * Probes never reserve a slot and are capped by `max`, so they spread out instead of bursting at Dataverse, whose
 * service-protection limits Act-On's own sync shares, and never crowd out a provisioning run.
 */
export function healthProbesKind(
  deps: DueProbeDeps,
  options: { max: number; pollEveryMs: number; onReport?: (report: ProbeReport) => void },
): JobKind<string> {
  let placedAt = -Infinity;
  return {
    name: "probes",
    reserved: 0,
    max: options.max,
    pollEveryMs: options.pollEveryMs,
    claim: async (limit) => {
      // Placing is upkeep: once per poll interval, not on every claim of a backlog (one claim per probe that ends).
      if (Date.now() - placedAt >= options.pollEveryMs) {
        placedAt = Date.now();
        await placeUnscheduledProbes(deps.db, { intervalMs: deps.intervalMs, limit: PLACE_PER_POLL });
      }
      return claimDueProbes(deps.db, { owner: deps.owner, leaseMs: deps.leaseMs, limit });
    },
    run: async (connectionId) => {
      const outcome = await runClaimedProbe(deps, connectionId);
      if (outcome.ok) options.onReport?.(outcome.value);
      else log.warn("health: a due probe could not run", { connectionId, code: outcome.error.code, detail: outcome.error.detail });
    },
    release: async (connectionIds) => {
      await releaseProbeClaims(deps.db, { owner: deps.owner, connectionIds });
    },
  };
}
