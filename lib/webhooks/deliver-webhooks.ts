import "server-only";
import { backoffDelayMs } from "../core/backoff";
import type { Db } from "../core/db";
import { log } from "../core/log";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { claimDeliveryHeads, type DeliveryHead } from "../domain/webhook-outbox/claim-deliveries";
import { dbNow } from "../domain/run/run-store";
import { sendWebhook, type WebhookSendResult } from "./send-webhook";
import { findSigningSecrets } from "./signing-secrets";

export type WebhookDelivererConfig = {
  db: Db;
  keys: EncryptionKey[] | undefined;
  /** This instance's name in leases. */
  owner: string;
  timeoutMs: number;
  /** How long a claimed delivery stays ours; longer than the timeout, so a live attempt is never taken over. */
  leaseMs: number;
  /** Backoff: the first retry waits about `baseDelayMs`, doubling up to `maxDelayMs`, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  batchSize: number;
  concurrency: number;
  allowedPrivateHosts: readonly string[];
  random?: () => number;
  /** Replaces the HTTP send (the bench measures the outbox alone with it; tests use real receivers). */
  send?: typeof sendWebhook;
};

export const DEFAULT_BACKOFF = { baseDelayMs: 5_000, maxDelayMs: 3 * 3600_000 };

type Head = { id: string; sequence: number; version: number; endpointId: string; connectionId: string };

/**
 * The deliveries that may go now: pending and due, not leased by a live instance, and the oldest pending delivery of
 * their endpoint and connection (so a connection's events reach each endpoint in order, one at a time).
 */
async function findDueHeads(db: Db, now: Date, take: number): Promise<Head[]> {
  const due = await db.webhookDelivery.findMany({
    // A disabled endpoint's deliveries wait (in order) until support enables it again.
    where: {
      status: "pending",
      nextAttemptAt: { lte: now },
      endpoint: { enabled: true },
      OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }],
    },
    orderBy: { sequence: "asc" },
    take: take * 4,
    select: { id: true, sequence: true, version: true, endpointId: true, connectionId: true },
  });
  if (due.length === 0) return [];
  const pairs = new Map<string, { endpointId: string; connectionId: string }>();
  for (const d of due) pairs.set(`${d.endpointId}|${d.connectionId}`, { endpointId: d.endpointId, connectionId: d.connectionId });
  const firsts = await db.webhookDelivery.groupBy({
    by: ["endpointId", "connectionId"],
    where: { status: "pending", OR: [...pairs.values()] },
    _min: { sequence: true },
  });
  const headSequence = new Set(firsts.map((f) => f._min.sequence));
  return due.filter((d) => headSequence.has(d.sequence)).slice(0, take);
}

async function record(
  db: Db,
  config: WebhookDelivererConfig,
  delivery: { id: string; version: number; attempts: number; giveUpAt: Date },
  result: WebhookSendResult,
) {
  const now = new Date();
  const attempts = delivery.attempts + 1;
  const common = {
    attempts,
    lastAttemptAt: now,
    lastStatusCode: result.statusCode,
    lastError: result.error,
    leaseOwner: null,
    leaseUntil: null,
    version: { increment: 1 },
  };
  let status: "succeeded" | "failed" | "pending" = "succeeded";
  let data;
  if (result.ok) {
    data = { ...common, status, deliveredAt: now };
  } else {
    const next = new Date(
      now.getTime() + backoffDelayMs(attempts, { baseMs: config.baseDelayMs, maxMs: config.maxDelayMs, jitter: "equal", random: config.random }),
    );
    status = next > delivery.giveUpAt ? "failed" : "pending";
    data = status === "failed" ? { ...common, status } : { ...common, nextAttemptAt: next };
  }
  await db.$transaction([
    db.webhookDelivery.updateMany({ where: { id: delivery.id, version: delivery.version, leaseOwner: config.owner }, data }),
    db.webhookDeliveryAttempt.create({
      data: { deliveryId: delivery.id, attemptedAt: now, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs },
    }),
  ]);
  return status;
}

export type DeliveryRound = { attempted: number; succeeded: number; failed: number; retrying: number };

/**
 * Claims up to `limit` deliveries that may go now (due heads, see findDueHeads) for `config.owner`, on the database's
 * clock. Any instance may claim concurrently; each delivery goes to one of them.
 */
export async function claimDueDeliveries(config: WebhookDelivererConfig, limit: number): Promise<DeliveryHead[]> {
  if (limit <= 0) return [];
  const now = await dbNow(config.db, { fresh: true });
  const heads = await findDueHeads(config.db, now, limit);
  return claimDeliveryHeads(config.db, { heads, owner: config.owner, now, leaseMs: config.leaseMs });
}

/** The signing secrets of each endpoint, read once per pass (or per scheduler instance, briefly). */
export type SigningSecretsCache = Map<string, Promise<string[]>>;

/** Sends one claimed delivery signed and records the outcome: delivered, retried later with backoff, or failed. */
export async function sendClaimedDelivery(
  config: WebhookDelivererConfig,
  claimed: DeliveryHead,
  secretsCache: SigningSecretsCache = new Map(),
): Promise<"succeeded" | "failed" | "pending"> {
  const { db } = config;
  const now = new Date();
  const delivery = await db.webhookDelivery.findUniqueOrThrow({
    where: { id: claimed.id },
    select: {
      id: true,
      attempts: true,
      giveUpAt: true,
      event: { select: { id: true, payload: true } },
      endpoint: { select: { id: true, url: true, enabled: true } },
    },
  });
  let secrets = secretsCache.get(delivery.endpoint.id);
  if (!secrets) {
    secrets = config.keys ? findSigningSecrets(db, { endpointId: delivery.endpoint.id, keys: config.keys, now }) : Promise.resolve([]);
    secretsCache.set(delivery.endpoint.id, secrets);
  }
  const send = config.send ?? sendWebhook;
  const result = await send({
    url: delivery.endpoint.url,
    messageId: delivery.event.id,
    body: JSON.stringify(delivery.event.payload),
    secrets: await secrets,
    now,
    timeoutMs: config.timeoutMs,
    allowedPrivateHosts: config.allowedPrivateHosts,
  });
  return record(db, config, { id: delivery.id, version: claimed.version, attempts: delivery.attempts, giveUpAt: delivery.giveUpAt }, result);
}

/**
 * One pass of the deliverer: repeatedly claims the due heads with a lease (any instance may run this concurrently;
 * each delivery goes to one of them), sends each signed, and records the outcome: delivered, retried later with
 * backoff, or failed when its retry budget is spent. A crash mid-send leaves the lease to expire, and the delivery is
 * sent again (at least once). Returns when nothing more is due. The portal's scheduler runs the same claim and send
 * one delivery per job (lib/scheduler/kinds/webhook-deliveries.ts); tests and the bench drive whole passes.
 */
export async function deliverDueWebhooks(config: WebhookDelivererConfig, options: { maxRounds?: number } = {}): Promise<DeliveryRound> {
  const total: DeliveryRound = { attempted: 0, succeeded: 0, failed: 0, retrying: 0 };
  const secretsCache: SigningSecretsCache = new Map();
  for (let round = 0; round < (options.maxRounds ?? 1_000); round++) {
    // No more than the workers start at once: a claimed delivery's lease runs while it waits for a worker.
    const claimed = await claimDueDeliveries(config, Math.max(1, Math.min(config.batchSize, config.concurrency)));
    if (claimed.length === 0) break; // nothing due, or everything due was taken by other instances
    let cursor = 0;
    const worker = async () => {
      while (cursor < claimed.length) {
        const delivery = claimed[cursor++];
        try {
          const outcome = await sendClaimedDelivery(config, delivery, secretsCache);
          total.attempted++;
          if (outcome === "succeeded") total.succeeded++;
          else if (outcome === "failed") total.failed++;
          else total.retrying++;
        } catch (error) {
          log.error("webhooks: delivery attempt failed unexpectedly", { deliveryId: delivery.id, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, config.concurrency) }, worker));
  }
  return total;
}
