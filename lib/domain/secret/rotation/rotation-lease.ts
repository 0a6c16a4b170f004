import "server-only";
import type { Db } from "../../../core/db";

/**
 * The lease a runner holds on a rotation while it works on it. Phase writes extend the lease too, but a phase can take
 * longer than the lease (Microsoft hanging within its timeout, retries honouring Retry-After): the lease is renewed on a
 * timer meanwhile, like a provisioning run's, and an instance that no longer holds it stops before its next Microsoft
 * call, so a second instance that took the rotation over never races it (an addKey sent twice, a removeKey after a switch).
 */

/** This runner no longer holds the rotation (another instance claimed it, or the lease could not be renewed). */
export class LostClaim extends Error {
  constructor(message = "credential rotation: lease lost") {
    super(message);
    this.name = "LostClaim";
  }
}

export type RotationLease = {
  /** Aborts (with a LostClaim) as soon as a renewal finds the lease gone or cannot reach the database. */
  signal: AbortSignal;
  /** Renews the lease now and throws LostClaim unless this runner still holds it: the guard before each Microsoft write. */
  confirm: () => Promise<void>;
  /** Throws LostClaim if a renewal already found the lease gone: the cheap guard before each Microsoft read. */
  check: () => void;
  stop: () => void;
};

/** Extends `rotationId`'s lease to `now + leaseMs` if `owner` still holds it (compare-and-set on the owner). */
async function renew(db: Db, options: { rotationId: string; owner: string; leaseMs: number; now: Date }): Promise<boolean> {
  const { count } = await db.credentialRotation.updateMany({
    where: { id: options.rotationId, leaseOwner: options.owner },
    data: { leaseUntil: new Date(options.now.getTime() + options.leaseMs) },
  });
  return count === 1;
}

/** Starts renewing the lease every third of its length (so two missed renewals still leave it held) until `stop`. */
export function holdRotationLease(
  db: Db,
  options: { rotationId: string; owner: string; leaseMs: number; now: () => Date; renewEveryMs?: number },
): RotationLease {
  const lease = new AbortController();
  const lose = (why: string) => {
    if (!lease.signal.aborted) lease.abort(new LostClaim(why));
  };
  const renewNow = () => renew(db, { rotationId: options.rotationId, owner: options.owner, leaseMs: options.leaseMs, now: options.now() });
  const timer = setInterval(
    () => {
      renewNow().then(
        (kept) => kept || lose("credential rotation: lease lost"),
        // The database did not answer: the lease may lapse before the next renewal, so nothing more is sent to Microsoft.
        () => lose("credential rotation: lease could not be renewed"),
      );
    },
    options.renewEveryMs ?? Math.max(1, Math.floor(options.leaseMs / 3)),
  );
  timer.unref?.();
  const check = () => {
    if (lease.signal.aborted) throw lease.signal.reason instanceof LostClaim ? lease.signal.reason : new LostClaim();
  };
  return {
    signal: lease.signal,
    check,
    confirm: async () => {
      check();
      if (!(await renewNow())) {
        lose("credential rotation: lease lost");
        check();
      }
    },
    stop: () => clearInterval(timer),
  };
}
