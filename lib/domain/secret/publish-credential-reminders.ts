import "server-only";
import type { Db } from "../../core/db";
import { enqueueCredentialExpiringEvent } from "../webhook-outbox/enqueue-webhook-events";
import { dueReminder, reminderHorizon } from "./credential-reminders";

export type PublishedReminder = { connectionId: string; secretId: string; daysLeft: number; expiresAt: Date };

/**
 * Publishes the `connection.credential_expiring` reminders due at `now` (credential-reminders.ts), each exactly once:
 * the reminder is marked on the secret by compare-and-set in the same transaction that writes the event to the webhook
 * outbox, so two instances sweeping at once, or a crash between the two writes, never send one twice or lose one.
 * Covers the active client secret of every Active cloud connection; a secret replaced by a reconnect starts again.
 */
export async function publishCredentialReminders(db: Db, options: { now?: Date; limit?: number } = {}): Promise<PublishedReminder[]> {
  const now = options.now ?? new Date();
  const candidates = await db.secret.findMany({
    where: {
      kind: "clientSecret",
      status: "active",
      expiresAt: { gt: now, lte: reminderHorizon(now) },
      connection: { status: "active", authMode: "cloud" },
    },
    select: { id: true, connectionId: true, microsoftKeyId: true, expiresAt: true, reminderSentDays: true },
    orderBy: { expiresAt: "asc" },
    take: options.limit ?? 500,
  });
  const published: PublishedReminder[] = [];
  for (const secret of candidates) {
    const expiresAt = secret.expiresAt!;
    const daysLeft = dueReminder({ expiresAt, now, sentDays: secret.reminderSentDays });
    if (daysLeft === null) continue;
    const sent = await db.$transaction(async (tx) => {
      const marked = await tx.secret.updateMany({
        where: { id: secret.id, status: "active", reminderSentDays: secret.reminderSentDays },
        data: { reminderSentDays: daysLeft },
      });
      if (marked.count === 0) return false;
      await enqueueCredentialExpiringEvent(tx, { connectionId: secret.connectionId, keyId: secret.microsoftKeyId, expiresAt, daysLeft, at: now });
      return true;
    });
    if (sent) published.push({ connectionId: secret.connectionId, secretId: secret.id, daysLeft, expiresAt });
  }
  return published;
}
