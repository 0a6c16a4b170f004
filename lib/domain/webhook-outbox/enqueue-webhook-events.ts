import "server-only";
import type { Prisma } from "@/generated/sqlite/client";
import type { Db } from "../../core/db";
import { getEnv } from "../../core/env";
import {
  buildCredentialExpiringPayload,
  buildCredentialRotatedPayload,
  buildCredentialRotationFailedPayload,
  type CredentialRotated,
  type CredentialRotationFailure,
  buildHealthChangedPayload,
  type CredentialExpiry,
  buildWebhookPayloads,
  type HealthChange,
  type WebhookChange,
  type WebhookEventType,
  type WebhookPayload,
} from "./webhook-events";

/** The part of a transaction the outbox writes with (a Prisma transaction client or the client itself). */
export type WebhookTx = Pick<Db, "connection" | "webhookEndpoint" | "webhookEvent" | "webhookDelivery">;

function subscribes(eventTypes: unknown, type: WebhookEventType): boolean {
  return !Array.isArray(eventTypes) || eventTypes.includes(type);
}

/**
 * Writes the webhook events of a connection change to the outbox, with one pending delivery per subscribed endpoint,
 * inside the caller's transaction: the events exist exactly when the change committed, so a crash right after the
 * commit loses nothing (any instance's deliverer sends them) and a rolled-back change sends nothing.
 * Returns how many events were written (none when no endpoint listens).
 */
export async function enqueueWebhookEvents(tx: WebhookTx, change: WebhookChange, options: { retryBudgetMs?: number } = {}): Promise<number> {
  return writeEvents(tx, change.connectionId, change.at, (connection) => buildWebhookPayloads(change, connection), options);
}

/** The `connection.health_changed` event of a health change, in the caller's transaction (as enqueueWebhookEvents). */
export async function enqueueHealthChangedEvent(tx: WebhookTx, change: HealthChange, options: { retryBudgetMs?: number } = {}): Promise<number> {
  return writeEvents(tx, change.connectionId, change.at, (connection) => [buildHealthChangedPayload(change, connection)], options);
}

/** The `connection.credential_expiring` event of a reminder, in the caller's transaction (as enqueueWebhookEvents). */
export async function enqueueCredentialExpiringEvent(tx: WebhookTx, expiry: CredentialExpiry): Promise<number> {
  return writeEvents(tx, expiry.connectionId, expiry.at, (connection) => [buildCredentialExpiringPayload(expiry, connection)], {});
}

/** `connection.credential_rotated`, in the transaction that switches the connection to its new certificate. */
export async function enqueueCredentialRotatedEvent(tx: WebhookTx, rotated: CredentialRotated): Promise<number> {
  return writeEvents(tx, rotated.connectionId, rotated.at, (connection) => [buildCredentialRotatedPayload(rotated, connection)], {});
}

/** `connection.credential_rotation_failed`, in the transaction that records the rotation's first failure. */
export async function enqueueCredentialRotationFailedEvent(tx: WebhookTx, failure: CredentialRotationFailure): Promise<number> {
  return writeEvents(tx, failure.connectionId, failure.at, (connection) => [buildCredentialRotationFailedPayload(failure, connection)], {});
}

async function writeEvents(
  tx: WebhookTx,
  connectionId: string,
  at: Date,
  build: (connection: { actonAccountId: string; authMode: string }) => WebhookPayload[],
  options: { retryBudgetMs?: number },
): Promise<number> {
  const endpoints = await tx.webhookEndpoint.findMany({ where: { enabled: true }, select: { id: true, eventTypes: true } });
  if (endpoints.length === 0) return 0;
  const connection = await tx.connection.findUnique({
    where: { id: connectionId },
    select: { accountId: true, authMode: true, account: { select: { actonAccountId: true } } },
  });
  if (!connection) return 0;
  const payloads = build({ actonAccountId: connection.account.actonAccountId, authMode: connection.authMode });
  const giveUpAt = new Date(at.getTime() + (options.retryBudgetMs ?? getEnv().WEBHOOK_RETRY_BUDGET_MS));
  let written = 0;
  for (const payload of payloads) {
    const type = payload.type as WebhookEventType;
    const targets = endpoints.filter((e) => subscribes(e.eventTypes, type));
    if (targets.length === 0) continue;
    const event = await tx.webhookEvent.create({
      data: {
        type,
        connectionId,
        accountId: connection.accountId,
        payload: payload as Prisma.InputJsonObject,
        createdAt: at,
      },
      select: { id: true },
    });
    // One insert per delivery (not createMany) so `sequence` follows the order of the events.
    for (const endpoint of targets) {
      await tx.webhookDelivery.create({
        data: {
          eventId: event.id,
          endpointId: endpoint.id,
          connectionId,
          giveUpAt,
          nextAttemptAt: at,
          createdAt: at,
        },
        select: { sequence: true },
      });
    }
    written++;
  }
  return written;
}
