import "server-only";
import { log } from "../../core/log";
import { claimDueRotations, releaseRotationClaims, scheduleDueRotations } from "../../domain/secret/rotation/rotation-claims";
import { runClaimedRotation, type RotationDeps } from "../../domain/secret/rotation/run-rotation";
import type { JobKind } from "../scheduler";

/**
 * Certificate rotations as a job kind: once per poll interval the due certificates get a rotation row (rotation-claims.ts),
 * and due rotations are claimed by compare-and-set with a lease and run phase by phase (run-rotation.ts). Rotations
 * never reserve a slot: they are rare, start 30 days before expiry and retry for weeks.
 */
export function credentialRotationsKind(deps: RotationDeps, options: { max: number; pollEveryMs: number }): JobKind<string> {
  const now = deps.now ?? (() => new Date());
  let scheduledAt = -Infinity;
  return {
    name: "credentialRotations",
    reserved: 0,
    max: options.max,
    pollEveryMs: options.pollEveryMs,
    claim: async (limit) => {
      if (Date.now() - scheduledAt >= options.pollEveryMs) {
        scheduledAt = Date.now();
        const created = await scheduleDueRotations(deps.db, { now: now() });
        if (created > 0) log.info("credentials: certificate rotations scheduled", { created });
      }
      return claimDueRotations(deps.db, { owner: deps.owner, leaseMs: deps.leaseMs, limit, now: now() });
    },
    run: async (rotationId) => {
      const outcome = await runClaimedRotation(deps, rotationId);
      if (outcome.kind === "failed") {
        log.warn("credentials: a certificate rotation failed; it will be retried", {
          rotationId,
          code: outcome.error.code,
          detail: outcome.error.detail,
          nextAttemptAt: outcome.nextAttemptAt.toISOString(),
        });
      } else if (outcome.kind === "done") log.info("credentials: a certificate rotation finished", { rotationId });
    },
    release: async (rotationIds) => {
      await releaseRotationClaims(deps.db, { owner: deps.owner, rotationIds });
    },
  };
}
