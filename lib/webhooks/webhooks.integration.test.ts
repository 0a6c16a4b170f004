/**
 * Webhooks end to end on SQLite and PostgreSQL: events written with the change in one transaction, delivered to a real
 * HTTPS receiver that verifies them with the `standardwebhooks` package, in order per connection, at least once,
 * across failures, rotation, a crashed committer and a crashed deliverer.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { createConnection } from "../domain/connection/create-connection";
import type { Db } from "../core/db";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { deliverDueWebhooks, type WebhookDelivererConfig } from "./deliver-webhooks";
import { enqueueWebhookEvents } from "../domain/webhook-outbox/enqueue-webhook-events";
import { Webhook } from "standardwebhooks";
import type { ApiCaller } from "../api-auth/app-roles";
import { rotateSigningSecret } from "./manage-webhook-endpoints";
import { addSigningSecret } from "./signing-secrets";
import { startWebhookReceiver, type WebhookReceiver } from "@/test/support/webhook-receiver";
import type { WebhookChange } from "../domain/webhook-outbox/webhook-events";

const providers = await providersUnderTest();
const keys = [{ id: "k1", key: randomBytes(32) }];

let receiver: WebhookReceiver;
beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

function deliverer(db: Db, overrides: Partial<WebhookDelivererConfig> = {}): WebhookDelivererConfig {
  return {
    db,
    keys,
    owner: "test-instance",
    timeoutMs: 5_000,
    leaseMs: 15_000,
    baseDelayMs: 10,
    maxDelayMs: 40,
    batchSize: 20,
    concurrency: 4,
    allowedPrivateHosts: [receiver.host],
    ...overrides,
  };
}

/** Runs the deliverer until nothing is pending (retries are due within milliseconds here). */
async function drain(config: WebhookDelivererConfig) {
  for (let i = 0; i < 200; i++) {
    await deliverDueWebhooks(config);
    if ((await config.db.webhookDelivery.count({ where: { status: "pending" } })) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("deliveries still pending");
}

describe.each(providers)("webhooks on %s", (provider) => {
  const t = useTestDatabase(provider);

  async function setup() {
    await t.db.webhookEndpoint.deleteMany({});
    const endpoint = await t.db.webhookEndpoint.create({ data: { url: receiver.url, createdBy: "test" } });
    const { secret } = await addSigningSecret(t.db, { endpointId: endpoint.id, keys });
    receiver.setSecrets([secret]);
    receiver.received.length = 0;
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    return { endpoint, secret, account, connection };
  }

  /** What the engine does at a step commit: the status moves and the outbox row is written in the same transaction. */
  async function commitChange(connectionId: string, change: Omit<WebhookChange, "connectionId" | "at" | "runId">) {
    await t.db.$transaction(async (tx) => {
      await tx.connection.update({ where: { id: connectionId }, data: { status: change.statusAfter as never } });
      await enqueueWebhookEvents(tx, { ...change, connectionId, runId: "run-1", at: new Date() }, { retryBudgetMs: 3600_000 });
    });
  }

  it("delivers every event once, in order, signed so the standardwebhooks package verifies it, to a receiver that fails three times first", async () => {
    const { connection, account } = await setup();
    const flow: [string, string, string | null, string | null][] = [
      ["draft", "provisioning", null, null],
      ["provisioning", "actionRequired", "adminConsent", "consent_required"],
      ["actionRequired", "provisioning", null, null],
      ["provisioning", "failed", "applicationUser", "insufficient_privileges"],
      ["failed", "active", null, null],
    ];
    for (const [statusBefore, statusAfter, failingStep, errorCode] of flow)
      await commitChange(connection.id, { statusBefore, statusAfter, failingStep, errorCode });
    const events = await t.db.webhookEvent.findMany({ where: { connectionId: connection.id }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.type)).toEqual([
      "connection.status_changed",
      "connection.status_changed",
      "connection.step_failed",
      "connection.status_changed",
      "connection.status_changed",
      "connection.step_failed",
      "connection.status_changed",
    ]);

    receiver.failNext(3, 503);
    await drain(deliverer(t.db));

    const accepted = receiver.accepted();
    expect(receiver.received.slice(0, 3).map((r) => r.answeredWith)).toEqual([503, 503, 503]);
    expect(accepted.every((r) => r.verified)).toBe(true);
    const bodies = accepted.map((r) => JSON.parse(r.body) as { type: string; data: { status: string; accountId: string } });
    expect(bodies.map((b) => `${b.type}:${b.data.status}`)).toEqual([
      "connection.status_changed:provisioning",
      "connection.status_changed:actionRequired",
      "connection.step_failed:actionRequired",
      "connection.status_changed:provisioning",
      "connection.status_changed:failed",
      "connection.step_failed:failed",
      "connection.status_changed:active",
    ]);
    expect(bodies.every((b) => b.data.accountId === account.actonAccountId)).toBe(true);
    // Once each: the ids the receiver accepted are the outbox's events, no duplicates.
    const deliveries = await t.db.webhookDelivery.findMany({ where: { connectionId: connection.id }, orderBy: { sequence: "asc" } });
    expect(accepted.map((r) => r.id)).toEqual(deliveries.map((d) => d.eventId));
    expect(new Set(accepted.map((r) => r.id)).size).toBe(accepted.length);
    expect(deliveries.every((d) => d.status === "succeeded")).toBe(true);
    expect(deliveries[0].attempts).toBe(4);
    expect(await t.db.webhookDeliveryAttempt.count({ where: { deliveryId: deliveries[0].id } })).toBe(4);
  });

  it("writes nothing when the change's transaction rolls back", async () => {
    const { connection } = await setup();
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.connection.update({ where: { id: connection.id }, data: { status: "active" } });
        await enqueueWebhookEvents(tx, {
          connectionId: connection.id,
          runId: null,
          statusBefore: "draft",
          statusAfter: "active",
          failingStep: null,
          errorCode: null,
          at: new Date(),
        });
        throw new Error("the step's commit failed");
      }),
    ).rejects.toThrow("the step's commit failed");
    expect(await t.db.webhookEvent.count({ where: { connectionId: connection.id } })).toBe(0);
    expect(await t.db.webhookDelivery.count({ where: { connectionId: connection.id } })).toBe(0);
  });

  it("loses nothing when the committing process dies right after its commits", async () => {
    const { connection } = await setup();
    const root = join(import.meta.dirname, "..", "..");
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        join(root, "node_modules", ".bin", "tsx"),
        ["--conditions=react-server", join(root, "test", "support", "commit-and-crash.ts")],
        {
          env: {
            ...process.env,
            COMMIT_SPEC: JSON.stringify({ databaseUrl: t.url, connectionId: connection.id, statuses: ["provisioning", "active", "disconnected"] }),
          },
          stdio: "inherit",
        },
      );
      child.on("error", reject);
      child.on("exit", (code) => resolve(code));
    });
    expect(exitCode).toBe(137);
    expect(receiver.received).toHaveLength(0);
    await drain(deliverer(t.db, { owner: "another-instance" }));
    expect(receiver.accepted().map((r) => (JSON.parse(r.body) as { data: { status: string } }).data.status)).toEqual([
      "provisioning",
      "active",
      "disconnected",
    ]);
  });

  it("resends a delivery whose deliverer died mid-send once its lease expires, and no sooner", async () => {
    const { connection } = await setup();
    await commitChange(connection.id, { statusBefore: "draft", statusAfter: "active", failingStep: null, errorCode: null });
    const delivery = await t.db.webhookDelivery.findFirstOrThrow({ where: { connectionId: connection.id } });
    // A deliverer claimed it and crashed before recording anything. Its lease runs for another minute: no sooner.
    await t.db.webhookDelivery.update({
      where: { id: delivery.id },
      data: { leaseOwner: "crashed", leaseUntil: new Date(Date.now() + 60_000), version: { increment: 1 } },
    });
    expect((await deliverDueWebhooks(deliverer(t.db))).attempted).toBe(0);
    // The lease runs out (moved into the past rather than waited for, so a loaded machine cannot outrun it).
    await t.db.webhookDelivery.update({ where: { id: delivery.id }, data: { leaseUntil: new Date(Date.now() - 1_000) } });
    await drain(deliverer(t.db));
    expect(receiver.accepted()).toHaveLength(1);
    expect(await t.db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: "succeeded", leaseOwner: null });
  });

  it("gives each delivery to one of two racing deliverers", async () => {
    const { connection } = await setup();
    for (const [a, b] of [
      ["draft", "provisioning"],
      ["provisioning", "active"],
    ])
      await commitChange(connection.id, { statusBefore: a, statusAfter: b, failingStep: null, errorCode: null });
    await Promise.all([drain(deliverer(t.db, { owner: "a" })), drain(deliverer(t.db, { owner: "b" }))]);
    expect(receiver.accepted().map((r) => (JSON.parse(r.body) as { data: { status: string } }).data.status)).toEqual(["provisioning", "active"]);
  });

  it("signs with both secrets during a rotation, so receivers holding either verify", async () => {
    const { endpoint, secret: oldSecret, connection } = await setup();
    const { secret: newSecret } = await addSigningSecret(t.db, { endpointId: endpoint.id, keys });
    receiver.setSecrets([oldSecret]);
    await commitChange(connection.id, { statusBefore: "draft", statusAfter: "provisioning", failingStep: null, errorCode: null });
    await drain(deliverer(t.db));
    receiver.setSecrets([newSecret]);
    await commitChange(connection.id, { statusBefore: "provisioning", statusAfter: "active", failingStep: null, errorCode: null });
    await drain(deliverer(t.db));
    expect(receiver.accepted()).toHaveLength(2);
    expect(receiver.accepted().every((r) => r.signature.split(" ").length === 2)).toBe(true);
  });

  it("revokes every previous secret at once on request: a delivery after it carries only the new secret's signature", async () => {
    const { endpoint, secret: leaked, connection } = await setup();
    const settings = { keys, allowedPrivateHosts: [receiver.host], timeoutMs: 5_000, retryBudgetMs: 3600_000 };
    const caller: ApiCaller = {
      kind: "user",
      objectId: "20000000-0000-4000-8000-000000000012",
      tenantId: "t",
      name: "Support Admin",
      roles: ["Support.Admin"],
    };
    // An ordinary rotation first: the leaked secret is on its way out but would still sign for 24 hours.
    const first = await rotateSigningSecret(t.db, { id: endpoint.id, caller, settings });
    expect(first.ok && first.value.previousSecretsRevoked).toBe(false);
    const revoked = await rotateSigningSecret(t.db, { id: endpoint.id, caller, settings, revokePrevious: true });
    if (!revoked.ok) throw new Error(revoked.error.userMessage);
    expect(revoked.value.previousSecretsRevoked).toBe(true);
    expect(Date.parse(revoked.value.previousSecretsExpireAt)).toBeLessThanOrEqual(Date.now());

    receiver.setSecrets([revoked.value.secret]);
    await commitChange(connection.id, { statusBefore: "draft", statusAfter: "provisioning", failingStep: null, errorCode: null });
    await drain(deliverer(t.db));
    expect(receiver.accepted()).toHaveLength(1);
    const [hook] = receiver.accepted();
    expect(hook.signature.split(" ")).toHaveLength(1);
    const headers = { "webhook-id": hook.id, "webhook-timestamp": String(hook.timestamp), "webhook-signature": hook.signature };
    for (const old of [leaked, first.ok ? first.value.secret : ""]) expect(() => new Webhook(old).verify(hook.body, headers)).toThrow();

    const audit = await t.db.auditEvent.findFirst({ where: { action: "webhook.secret.rotated_and_revoked" }, orderBy: { occurredAt: "desc" } });
    expect(audit).toMatchObject({ actorType: "support", actorId: `t:${caller.objectId}`, outcome: "success" });
    const secretIds = (await t.db.webhookSigningSecret.findMany({ where: { endpointId: endpoint.id }, orderBy: { createdAt: "asc" } })).map(
      (r) => r.id,
    );
    expect(audit?.detail).toEqual({
      endpointId: endpoint.id,
      signingKeyId: secretIds[2],
      revokedSigningKeyIds: expect.arrayContaining(secretIds.slice(0, 2)),
    });
    expect(JSON.stringify(audit)).not.toContain(revoked.value.secret);
  });

  it("holds a disabled endpoint's deliveries until it is enabled again, then sends them in order", async () => {
    const { endpoint, connection } = await setup();
    await commitChange(connection.id, { statusBefore: "draft", statusAfter: "provisioning", failingStep: null, errorCode: null });
    await commitChange(connection.id, { statusBefore: "provisioning", statusAfter: "active", failingStep: null, errorCode: null });
    // Support switches the receiver off (it is being migrated, say) before anything was sent.
    await t.db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { enabled: false } });
    const config = deliverer(t.db);
    expect(await deliverDueWebhooks(config)).toMatchObject({ attempted: 0 });
    expect(receiver.received).toHaveLength(0);
    expect(await t.db.webhookDelivery.count({ where: { connectionId: connection.id, status: "pending", attempts: 0 } })).toBe(2);

    await t.db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { enabled: true } });
    await drain(config);
    expect(receiver.received.map((r) => (JSON.parse(r.body) as { data: { status: string } }).data.status)).toEqual(["provisioning", "active"]);
  });

  it("marks a delivery failed when its retry budget is spent, and moves on to the connection's next event", async () => {
    const { connection } = await setup();
    await t.db.$transaction(async (tx) => {
      await enqueueWebhookEvents(
        tx,
        {
          connectionId: connection.id,
          runId: null,
          statusBefore: "draft",
          statusAfter: "provisioning",
          failingStep: null,
          errorCode: null,
          at: new Date(),
        },
        { retryBudgetMs: 1_000 },
      );
    });
    await commitChange(connection.id, { statusBefore: "provisioning", statusAfter: "active", failingStep: null, errorCode: null });
    receiver.failNext(1_000, 500);
    const config = deliverer(t.db, { baseDelayMs: 200, maxDelayMs: 400 });
    for (let i = 0; i < 30; i++) {
      await deliverDueWebhooks(config);
      const first = await t.db.webhookDelivery.findFirstOrThrow({ where: { connectionId: connection.id }, orderBy: { sequence: "asc" } });
      if (first.status === "failed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    receiver.failNext(0);
    await drain(config);
    const deliveries = await t.db.webhookDelivery.findMany({ where: { connectionId: connection.id }, orderBy: { sequence: "asc" } });
    expect(deliveries.map((d) => d.status)).toEqual(["failed", "succeeded"]);
    expect(deliveries[0].lastStatusCode).toBe(500);
  });
});
