/**
 * When a certificate rotation runs and retries. Pure: the scheduler kind and the runner pass the clock.
 */

/** The phases in order; each is written before the outside effect that follows it (see the Prisma model). */
export const ROTATION_PHASES = ["started", "keyStored", "adding", "keyAdded", "verified", "switched", "done"] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

/** First retry after a failure; doubles per attempt. */
const FIRST_RETRY_MS = 5 * 60_000;
/** Retries never wait longer than this, so a 30-day lead gets well over a hundred tries before the certificate expires. */
const MAX_RETRY_MS = 6 * 3600_000;

/** When a rotation that failed for the `attempts`-th time is tried again: 5 min, 10, 20… capped at 6 h. */
export function nextRetryAt(now: Date, attempts: number): Date {
  const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return new Date(now.getTime() + delay);
}

/** A certificate whose rotation is due at `now`: ROTATION_LEAD_DAYS before expiry (credential-mode.ts). */
export function isRotationDue(rotatesAt: Date | null, now: Date): boolean {
  return rotatesAt !== null && rotatesAt.getTime() <= now.getTime();
}

/** The phase a rotation resumes at is the one it last wrote; a finished rotation never runs again. */
export function isFinished(phase: RotationPhase): boolean {
  return phase === "done";
}

/** Each phase in support's words (the console's rotation panel). */
export const ROTATION_PHASE_LABELS: Record<RotationPhase, string> = {
  started: "Due: making a new certificate",
  keyStored: "New certificate made and stored encrypted",
  adding: "Adding the new certificate to the app (addKey)",
  keyAdded: "New certificate on the app; checking it signs in",
  verified: "New certificate proven (token and WhoAmI)",
  switched: "Using the new certificate; the old one is removed after the grace period",
  done: "Done: the old certificate is removed",
};
