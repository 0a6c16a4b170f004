import "server-only";
import { randomBytes } from "node:crypto";
import { Prisma } from "@/generated/sqlite/client";
import { apiCallerActor, type ApiCaller } from "../api-auth/app-roles";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { guardPublicAddress } from "../core/net/public-address-guard";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { sendWebhook, type WebhookSendResult } from "./send-webhook";
import { addSigningSecret, findSigningSecrets, ROTATION_OVERLAP_MS } from "./signing-secrets";
import { testPayload, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../domain/webhook-outbox/webhook-events";

/** An endpoint as support sees it: never a secret's value. */
export type EndpointView = {
  id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  eventTypes: WebhookEventType[] | null;
  secrets: { id: string; createdAt: string; expiresAt: string | null }[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
};

/** What support asks for when adding an endpoint; every field but the URL may be left out when changing one. */
export type EndpointInput = { url: string; description?: string | null; enabled?: boolean; eventTypes?: WebhookEventType[] | null };

export type DeliveryView = {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  connectionId: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
};

export type WebhookSettings = { keys: EncryptionKey[] | undefined; allowedPrivateHosts: readonly string[]; timeoutMs: number; retryBudgetMs: number };

const ENDPOINT_SELECT = {
  id: true,
  url: true,
  description: true,
  enabled: true,
  eventTypes: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
  secrets: { select: { id: true, createdAt: true, expiresAt: true }, orderBy: { createdAt: "desc" } },
} as const;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof ENDPOINT_SELECT }>;

function toEndpointView(row: EndpointRow, now = new Date()): EndpointView {
  const types = Array.isArray(row.eventTypes)
    ? row.eventTypes.filter((t): t is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(t))
    : null;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    enabled: row.enabled,
    eventTypes: types,
    secrets: row.secrets
      .filter((s) => !s.expiresAt || s.expiresAt > now)
      .map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), expiresAt: s.expiresAt?.toISOString() ?? null })),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const notFound = <T>() => fail<T>(appError("not_found", "No webhook endpoint with that id."));
const noKeys = <T>() => fail<T>(appError("internal", "The portal has no encryption key configured, so it cannot keep a signing secret."));

/** Checks a receiver URL like every outbound URL: HTTPS, and every address its host resolves to is public. */
async function checkUrl(url: string, settings: WebhookSettings): Promise<Result<string>> {
  const guarded = await guardPublicAddress(url, { allowedPrivateHosts: settings.allowedPrivateHosts, what: "webhook receiver" });
  return guarded.ok ? ok(url) : fail(guarded.error);
}

export async function listWebhookEndpoints(db: Db): Promise<EndpointView[]> {
  const rows = await db.webhookEndpoint.findMany({ orderBy: { createdAt: "asc" }, select: ENDPOINT_SELECT });
  return rows.map((r) => toEndpointView(r));
}

export async function getWebhookEndpoint(db: Db, id: string): Promise<Result<EndpointView>> {
  const row = await db.webhookEndpoint.findUnique({ where: { id }, select: ENDPOINT_SELECT });
  return row ? ok(toEndpointView(row)) : notFound();
}

/** Adds an endpoint with a new signing secret (returned once), audited with the support person. */
export async function createWebhookEndpoint(
  db: Db,
  options: { input: EndpointInput; caller: ApiCaller; settings: WebhookSettings },
): Promise<Result<{ endpoint: EndpointView; secret: string }>> {
  const { input, caller, settings } = options;
  if (!settings.keys) return noKeys();
  const checked = await checkUrl(input.url, settings);
  if (!checked.ok) return fail(checked.error);
  const actor = apiCallerActor(caller);
  const { id, secret } = await db.$transaction(async (tx) => {
    const endpoint = await tx.webhookEndpoint.create({
      data: {
        url: input.url,
        description: input.description ?? null,
        enabled: input.enabled ?? true,
        eventTypes: input.eventTypes ?? undefined,
        createdBy: actor.id,
      },
      select: { id: true },
    });
    const added = await addSigningSecret(tx as unknown as Db, { endpointId: endpoint.id, keys: settings.keys! });
    return { id: endpoint.id, secret: added.secret };
  });
  await recordAuditEvent(db, {
    actor,
    action: "webhook.endpoint.created",
    outcome: "success",
    detail: { endpointId: id, host: new URL(input.url).host },
  });
  const endpoint = await getWebhookEndpoint(db, id);
  return endpoint.ok ? ok({ endpoint: endpoint.value, secret }) : fail(endpoint.error);
}

export async function updateWebhookEndpoint(
  db: Db,
  options: { id: string; patch: Partial<EndpointInput>; caller: ApiCaller; settings: WebhookSettings },
): Promise<Result<EndpointView>> {
  const { id, patch } = options;
  const existing = await db.webhookEndpoint.findUnique({ where: { id }, select: { id: true } });
  if (!existing) return notFound();
  if (patch.url !== undefined) {
    const checked = await checkUrl(patch.url, options.settings);
    if (!checked.ok) return fail(checked.error);
  }
  await db.webhookEndpoint.update({
    where: { id },
    data: {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.eventTypes !== undefined ? { eventTypes: patch.eventTypes === null ? Prisma.DbNull : patch.eventTypes } : {}),
    },
  });
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: "webhook.endpoint.updated",
    outcome: "success",
    detail: { endpointId: id, fields: Object.keys(patch) },
  });
  return getWebhookEndpoint(db, id);
}

export async function deleteWebhookEndpoint(db: Db, options: { id: string; caller: ApiCaller }): Promise<Result<void>> {
  const { count } = await db.webhookEndpoint.deleteMany({ where: { id: options.id } });
  if (count === 0) return notFound();
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: "webhook.endpoint.deleted",
    outcome: "success",
    detail: { endpointId: options.id },
  });
  return ok(undefined);
}

/** A new signing secret; the ones in use keep signing for ROTATION_OVERLAP_MS, then stop. */
export async function rotateSigningSecret(
  db: Db,
  options: { id: string; caller: ApiCaller; settings: WebhookSettings; revokePrevious?: boolean; now?: Date },
): Promise<Result<{ secret: string; previousSecretsRevoked: boolean; previousSecretsExpireAt: string }>> {
  if (!options.settings.keys) return noKeys();
  const now = options.now ?? new Date();
  const revoke = options.revokePrevious === true;
  // A leaked secret ends now: the deliverer reads an endpoint's unexpired secrets at every send, so each request signed
  // after this commit carries only the new secret's signature.
  const expiresAt = revoke ? now : new Date(now.getTime() + ROTATION_OVERLAP_MS);
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id: options.id }, select: { id: true } });
  if (!endpoint) return notFound();
  const { secret, revokedSecretIds } = await db.$transaction(async (tx) => {
    // Secrets already on their way out keep their earlier end, unless every previous secret is revoked.
    const previous = { endpointId: endpoint.id, ...(revoke ? { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } : { expiresAt: null }) };
    const revokedSecretIds = revoke ? (await tx.webhookSigningSecret.findMany({ where: previous, select: { id: true } })).map((r) => r.id) : [];
    await tx.webhookSigningSecret.updateMany({ where: previous, data: { expiresAt } });
    const secret = await addSigningSecret(tx as unknown as Db, { endpointId: endpoint.id, keys: options.settings.keys! });
    return { secret, revokedSecretIds };
  });
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: revoke ? "webhook.secret.rotated_and_revoked" : "webhook.secret.rotated",
    outcome: "success",
    // Ids under names the audit redactor lets through (a key naming a "secret" is redacted, value and all).
    detail: { endpointId: endpoint.id, signingKeyId: secret.id, ...(revoke ? { revokedSigningKeyIds: revokedSecretIds } : {}) },
  });
  return ok({ secret: secret.secret, previousSecretsRevoked: revoke, previousSecretsExpireAt: expiresAt.toISOString() });
}

/** Sends a signed `webhook.test` event now and reports what the receiver answered. */
export async function testSendWebhook(
  db: Db,
  options: { id: string; caller: ApiCaller; settings: WebhookSettings },
): Promise<Result<WebhookSendResult & { webhookId: string }>> {
  const endpoint = await db.webhookEndpoint.findUnique({ where: { id: options.id }, select: { id: true, url: true } });
  if (!endpoint) return notFound();
  if (!options.settings.keys) return noKeys();
  const now = new Date();
  const webhookId = `msg_test_${randomBytes(12).toString("hex")}`;
  const result = await sendWebhook({
    url: endpoint.url,
    messageId: webhookId,
    body: JSON.stringify(testPayload(now)),
    secrets: await findSigningSecrets(db, { endpointId: endpoint.id, keys: options.settings.keys, now }),
    now,
    timeoutMs: options.settings.timeoutMs,
    allowedPrivateHosts: options.settings.allowedPrivateHosts,
  });
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: "webhook.test_sent",
    outcome: result.ok ? "success" : "failure",
    detail: { endpointId: endpoint.id, statusCode: result.statusCode },
  });
  return ok({ ...result, webhookId });
}

const DELIVERY_SELECT = {
  id: true,
  sequence: true,
  eventId: true,
  endpointId: true,
  connectionId: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lastAttemptAt: true,
  lastStatusCode: true,
  lastError: true,
  deliveredAt: true,
  createdAt: true,
  event: { select: { type: true } },
} as const;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof DELIVERY_SELECT }>;

function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.event.type,
    endpointId: row.endpointId,
    connectionId: row.connectionId,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === "pending" ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A delivery log, newest first, keyset-paginated by sequence: of one endpoint or of one connection. */
export async function listWebhookDeliveries(
  db: Db,
  options: { endpointId?: string; connectionId?: string; limit: number; cursor?: string },
): Promise<Result<{ items: DeliveryView[]; nextCursor: string | null }>> {
  if (options.endpointId && !(await db.webhookEndpoint.findUnique({ where: { id: options.endpointId }, select: { id: true } }))) return notFound();
  if (options.connectionId && !(await db.connection.findUnique({ where: { id: options.connectionId }, select: { id: true } }))) {
    return fail(appError("not_found", "No connection with that id."));
  }
  const before = options.cursor !== undefined ? Number(options.cursor) : null;
  if (before !== null && (!Number.isSafeInteger(before) || before < 0))
    return fail(appError("invalid_input", "cursor is not a cursor this API returned."));
  const rows = await db.webhookDelivery.findMany({
    where: {
      ...(options.endpointId ? { endpointId: options.endpointId } : {}),
      ...(options.connectionId ? { connectionId: options.connectionId } : {}),
      ...(before !== null ? { sequence: { lt: before } } : {}),
    },
    orderBy: { sequence: "desc" },
    take: options.limit + 1,
    select: DELIVERY_SELECT,
  });
  const page = rows.slice(0, options.limit);
  return ok({ items: page.map(toDeliveryView), nextCursor: rows.length > options.limit ? String(page[page.length - 1].sequence) : null });
}

/** Queues a delivery again (same webhook-id), with a fresh retry budget; audited with the support person. */
export async function redeliverWebhook(db: Db, options: { id: string; caller: ApiCaller; settings: WebhookSettings }): Promise<Result<DeliveryView>> {
  const now = new Date();
  const delivery = await db.webhookDelivery.findUnique({ where: { id: options.id }, select: { id: true, connectionId: true, eventId: true } });
  if (!delivery) return fail(appError("not_found", "No webhook delivery with that id."));
  await db.webhookDelivery.update({
    where: { id: delivery.id },
    data: {
      status: "pending",
      nextAttemptAt: now,
      giveUpAt: new Date(now.getTime() + options.settings.retryBudgetMs),
      leaseOwner: null,
      leaseUntil: null,
      version: { increment: 1 },
    },
  });
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: "webhook.redelivery_requested",
    connectionId: delivery.connectionId,
    outcome: "success",
    detail: { deliveryId: delivery.id, eventId: delivery.eventId },
  });
  const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id }, select: DELIVERY_SELECT });
  return ok(toDeliveryView(row));
}

export function webhookSettingsFromEnv(env: {
  PORTAL_ENCRYPTION_KEYS?: EncryptionKey[];
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: string[];
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_RETRY_BUDGET_MS: number;
}): WebhookSettings {
  return {
    keys: env.PORTAL_ENCRYPTION_KEYS,
    allowedPrivateHosts: env.WEBHOOK_ALLOWED_PRIVATE_HOSTS,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    retryBudgetMs: env.WEBHOOK_RETRY_BUDGET_MS,
  };
}
