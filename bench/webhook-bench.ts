/**
 * Webhook delivery bench: events per second through the outbox to a local HTTPS receiver (verifying every signature
 * with the `standardwebhooks` package), and the delay from the change's commit to the receiver's 2xx, p50/p95.
 *
 *   NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem npx tsx --conditions=react-server bench/webhook-bench.ts \
 *     [--connections 50] [--events 1000] [--interval 100] [--provider sqlite|postgresql|both]
 *
 * Two phases per database: "burst" commits every event first and times the drain (throughput); "steady" commits
 * events at a fixed pace while a deliverer polls every --interval ms, as a portal instance does (delay).
 * Each event is its own transaction (connection update + outbox rows), as the engine's step commit is.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { ensureAccount } from "@/lib/domain/account/ensure-account";
import { createConnection } from "@/lib/domain/connection/create-connection";
import type { Db } from "@/lib/core/db";
import { createDb } from "@/lib/core/db";
import { createBenchDatabase, POSTGRES_URL } from "./bench-database";
import { deliverDueWebhooks, type WebhookDelivererConfig } from "@/lib/webhooks/deliver-webhooks";
import { enqueueWebhookEvents } from "@/lib/domain/webhook-outbox/enqueue-webhook-events";
import { addSigningSecret } from "@/lib/webhooks/signing-secrets";
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from "@/test/support/webhook-receiver";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "50" },
    events: { type: "string", default: "1000" },
    interval: { type: "string", default: "100" },
    provider: { type: "string", default: "both" },
  },
});
const CONNECTIONS = Number(values.connections);
const EVENTS = Number(values.events);
const INTERVAL_MS = Number(values.interval);
const STATUSES = ["provisioning", "active"];

/** A fresh, migrated database of `provider` and its client, both gone after `cleanup`. */
async function openBenchDatabase(provider: "sqlite" | "postgresql"): Promise<{ db: Db; cleanup: () => Promise<void> }> {
  const database = await createBenchDatabase(provider, "webhook-bench");
  const db = createDb(database.url);
  return { db, cleanup: async () => (await db.$disconnect(), await database.drop()) };
}

async function isPostgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function seed(db: Db, receiver: WebhookReceiver, keys: { id: string; key: Buffer }[]) {
  const endpoint = await db.webhookEndpoint.create({ data: { url: receiver.url, createdBy: "bench" } });
  const { secret } = await addSigningSecret(db, { endpointId: endpoint.id, keys });
  receiver.setSecrets([secret]);
  const account = await ensureAccount(db, { actonAccountId: `bench-${randomBytes(4).toString("hex")}`, name: "Bench" });
  const ids: string[] = [];
  for (let i = 0; i < CONNECTIONS; i++) ids.push((await createConnection(db, { accountId: account.id, authMode: "cloud" })).id);
  return ids;
}

async function commit(db: Db, connectionId: string, n: number) {
  const statusBefore = STATUSES[n % 2];
  const statusAfter = STATUSES[(n + 1) % 2];
  await db.$transaction(async (tx) => {
    await tx.connection.update({ where: { id: connectionId }, data: { status: statusAfter as "active" } });
    await enqueueWebhookEvents(tx, { connectionId, runId: null, statusBefore, statusAfter, failingStep: null, errorCode: null, at: new Date() });
  });
}

async function delays(db: Db, received: ReceivedWebhook[]) {
  const events = await db.webhookEvent.findMany({ select: { id: true, createdAt: true } });
  const committed = new Map(events.map((e) => [e.id, e.createdAt.getTime()]));
  return received
    .filter((r) => r.answeredWith === 204)
    .map((r) => r.receivedAt - (committed.get(r.id) ?? r.receivedAt))
    .sort((a, b) => a - b);
}

function config(db: Db, keys: { id: string; key: Buffer }[], receiver: WebhookReceiver): WebhookDelivererConfig {
  return {
    db,
    keys,
    owner: "bench",
    timeoutMs: 10_000,
    leaseMs: 30_000,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    batchSize: 50,
    concurrency: 8,
    allowedPrivateHosts: [receiver.host],
  };
}

async function benchProvider(provider: "sqlite" | "postgresql") {
  const keys = [{ id: "bench", key: randomBytes(32) }];
  const receiver = await startWebhookReceiver();
  const results: Record<string, string | number>[] = [];
  try {
    // Burst: commit everything, then drain.
    {
      const database = await openBenchDatabase(provider);
      try {
        const ids = await seed(database.db, receiver, keys);
        receiver.received.length = 0;
        const commitStart = performance.now();
        for (let n = 0; n < EVENTS; n++) await commit(database.db, ids[n % ids.length], Math.floor(n / ids.length));
        const commitMs = performance.now() - commitStart;
        const start = performance.now();
        await deliverDueWebhooks(config(database.db, keys, receiver));
        const drainMs = performance.now() - start;
        const accepted = receiver.accepted();
        const verified = accepted.filter((r) => r.verified).length;
        results.push({
          provider,
          phase: "burst",
          events: EVENTS,
          delivered: accepted.length,
          verified,
          "commits/s": Math.round(EVENTS / (commitMs / 1000)),
          "delivered/s": Math.round(accepted.length / (drainMs / 1000)),
          "p50 ms": "-",
          "p95 ms": "-",
        });
      } finally {
        await database.cleanup();
      }
    }
    // Steady: a producer at a fixed pace, a deliverer polling every INTERVAL_MS.
    {
      const database = await openBenchDatabase(provider);
      try {
        const ids = await seed(database.db, receiver, keys);
        receiver.received.length = 0;
        const steadyEvents = Math.min(EVENTS, 500);
        const pauseMs = 5;
        let producing = true;
        const deliverer = (async () => {
          const c = config(database.db, keys, receiver);
          while (producing || (await database.db.webhookDelivery.count({ where: { status: "pending" } })) > 0) {
            await deliverDueWebhooks(c);
            await new Promise((r) => setTimeout(r, INTERVAL_MS));
          }
        })();
        const start = performance.now();
        for (let n = 0; n < steadyEvents; n++) {
          await commit(database.db, ids[n % ids.length], Math.floor(n / ids.length));
          await new Promise((r) => setTimeout(r, pauseMs));
        }
        producing = false;
        await deliverer;
        const wallMs = performance.now() - start;
        const d = await delays(database.db, receiver.received);
        results.push({
          provider,
          phase: `steady (poll ${INTERVAL_MS} ms)`,
          events: steadyEvents,
          delivered: receiver.accepted().length,
          verified: receiver.accepted().filter((r) => r.verified).length,
          "commits/s": Math.round(steadyEvents / (wallMs / 1000)),
          "delivered/s": Math.round(receiver.accepted().length / (wallMs / 1000)),
          "p50 ms": pct(d, 50),
          "p95 ms": pct(d, 95),
        });
      } finally {
        await database.cleanup();
      }
    }
  } finally {
    await receiver.close();
  }
  return results;
}

async function main() {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  const providers: ("sqlite" | "postgresql")[] =
    values.provider === "both"
      ? (await isPostgresReachable())
        ? ["sqlite", "postgresql"]
        : ["sqlite"]
      : [values.provider as "sqlite" | "postgresql"];
  const rows = [];
  for (const p of providers) rows.push(...(await benchProvider(p)));
  console.log(`\nWebhook bench: ${CONNECTIONS} connections, one endpoint, receiver on https://localhost (standardwebhooks verify)\n`);
  console.table(rows);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
