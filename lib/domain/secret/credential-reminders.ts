/**
 * When Act-On is told that a connection's client secret is about to expire. A secret cannot renew itself without a
 * person (only an admin's sign-in can add a new one), so the portal publishes `connection.credential_expiring` at
 * 30, 14, 7 and 1 days before the expiry, and Act-On asks the customer to reconnect. Pure.
 */
const REMINDER_DAYS = [30, 14, 7, 1] as const;
export type ReminderDays = (typeof REMINDER_DAYS)[number];

const DAY_MS = 86_400_000;

/**
 * The reminder due now for a credential, or null. Only the most urgent threshold crossed is due (a portal that was
 * down for two weeks sends "7 days", not "30", "14" and "7" at once), each threshold at most once, and nothing once
 * the credential has expired: a health probe reports that as `credential_expired`.
 */
export function dueReminder(input: { expiresAt: Date; now: Date; sentDays: number | null }): ReminderDays | null {
  const leftMs = input.expiresAt.getTime() - input.now.getTime();
  if (leftMs <= 0) return null;
  const crossed = REMINDER_DAYS.filter((days) => leftMs <= days * DAY_MS);
  if (crossed.length === 0) return null;
  const mostUrgent = crossed[crossed.length - 1];
  if (input.sentDays !== null && input.sentDays <= mostUrgent) return null;
  return mostUrgent;
}

/** The latest expiry that has a reminder due at `now`: credentials expiring before it are the ones to look at. */
export function reminderHorizon(now: Date): Date {
  return new Date(now.getTime() + REMINDER_DAYS[0] * DAY_MS);
}
