import "server-only";
import type { Db } from "../../../core/db";
import { credentialRotatesAt } from "../credential-mode";

/**
 * Which certificate rotations are due, and which instance runs each: a rotation row per certificate to replace
 * (unique on the old secret, so instances scheduling at once make one), claimed by compare-and-set on `version` with a
 * lease, like the other kinds of background work.
 */

/** Replacing starts this long before expiry (credential-mode.ts): the certificates expiring before `now + lead` are due. */
const dueBefore = (now: Date): Date => {
  // credentialRotatesAt(expiry) <= now  ⇔  expiry <= now + lead; the lead is read from the one place that defines it.
  const lead = now.getTime() - credentialRotatesAt("certificate", now)!.getTime();
  return new Date(now.getTime() + lead);
};

/**
 * Creates a rotation for each Active certificate-mode connection whose live certificate is due at `now` and has none
 * yet. Returns how many were created. Two instances at once create each one once (the unique old secret id).
 */
export async function scheduleDueRotations(db: Db, options: { now: Date; limit?: number }): Promise<number> {
  const due = await db.secret.findMany({
    where: {
      kind: "certificateKey",
      status: "active",
      expiresAt: { gt: options.now, lte: dueBefore(options.now) },
      connection: { status: "active", authMode: "cloud", credentialMode: "certificate" },
    },
    select: { id: true, connectionId: true, microsoftKeyId: true },
    orderBy: { expiresAt: "asc" },
    take: options.limit ?? 200,
  });
  if (due.length === 0) return 0;
  const existing = new Set(
    (await db.credentialRotation.findMany({ where: { oldSecretId: { in: due.map((s) => s.id) } }, select: { oldSecretId: true } })).map(
      (r) => r.oldSecretId,
    ),
  );
  let created = 0;
  for (const secret of due.filter((s) => !existing.has(s.id))) {
    // A connection replaces one certificate at a time: a newer live one (a rotation that switched, waiting to remove
    // this one) means this one is already being replaced.
    const newer = await db.credentialRotation.count({ where: { connectionId: secret.connectionId, phase: { not: "done" } } });
    if (newer > 0) continue;
    try {
      await db.credentialRotation.create({
        data: { connectionId: secret.connectionId, oldSecretId: secret.id, oldKeyId: secret.microsoftKeyId, nextAttemptAt: options.now },
      });
      created++;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return created;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}

/** Claims up to `limit` due rotations for `owner` until `now + leaseMs`; returns their ids. */
export async function claimDueRotations(db: Db, options: { owner: string; leaseMs: number; limit: number; now: Date }): Promise<string[]> {
  if (options.limit < 1) return [];
  const candidates = await db.credentialRotation.findMany({
    where: {
      phase: { not: "done" },
      nextAttemptAt: { lte: options.now },
      OR: [{ leaseUntil: null }, { leaseUntil: { lt: options.now } }],
    },
    select: { id: true, version: true },
    orderBy: { nextAttemptAt: "asc" },
    take: options.limit,
  });
  const claimed: string[] = [];
  for (const c of candidates) {
    const { count } = await db.credentialRotation.updateMany({
      where: { id: c.id, version: c.version, OR: [{ leaseUntil: null }, { leaseUntil: { lt: options.now } }] },
      data: { leaseOwner: options.owner, leaseUntil: new Date(options.now.getTime() + options.leaseMs), version: { increment: 1 } },
    });
    if (count === 1) claimed.push(c.id);
  }
  return claimed;
}

/** Gives back rotations this instance holds (shutdown): another instance takes them at once. */
export async function releaseRotationClaims(db: Db, options: { owner: string; rotationIds: string[] }): Promise<void> {
  if (options.rotationIds.length === 0) return;
  await db.credentialRotation.updateMany({
    where: { id: { in: options.rotationIds }, leaseOwner: options.owner },
    data: { leaseOwner: null, leaseUntil: null, version: { increment: 1 } },
  });
}
