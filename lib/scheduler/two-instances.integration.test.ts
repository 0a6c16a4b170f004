/**
 * Scale-out, proven: two portal processes (test/support/portal-background-process.ts, each running the scheduler as
 * instrumentation.ts starts it) on one PostgreSQL database, against the sandbox. 1,000 due probes are each done
 * exactly once and both instances take a share; webhook events of each connection arrive in order; an instance killed
 * in the middle of a provisioning run leaves it to the other, which finishes it with exactly one of everything; and an
 * instance stopped with SIGTERM while it holds a run and probes exits cleanly, its leases ended for others at once.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { sealSecret } from "../domain/secret/secret-box";
import { secretAad } from "../domain/secret/store-secret";
import { enqueueWebhookEvents } from "../domain/webhook-outbox/enqueue-webhook-events";
import { addSigningSecret } from "../webhooks/signing-secrets";
import { driveRunWith } from "../provisioning/engine";
import { readSecret } from "../domain/secret/store-secret";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { startPortalInstance, type PortalInstance } from "@/test/support/portal-instance";
import { sandboxPortalEnv } from "@/test/support/sandbox-portal-env";
import { expectExactlyOneOfEverything as expectOneOfEverything } from "@/test/support/sandbox-objects";
import { startApprovedContosoRun } from "@/test/support/hand-made-setup";
import { createTestDatabase, providersUnderTest, type TestDatabase } from "@/test/support/test-databases";
import { startWebhookReceiver, type WebhookReceiver } from "@/test/support/webhook-receiver";

// About 60 s for the 1,000 probes on a shared two-core machine (two instances, the sandbox and PostgreSQL on it).
vi.setConfig({ testTimeout: 240_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const PROBES = 1_000;

type Instance = { process: PortalInstance; url: string; owner: string };
type SchedulerView = { owner: string; stats: Record<string, { finished: number; failed: number }> };

const until = async (what: string | (() => Promise<string>), check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${typeof what === "string" ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.runIf(providers.includes("postgresql"))("two portal instances on one PostgreSQL", () => {
  let t: TestDatabase;
  let receiver: WebhookReceiver;
  const instances: Instance[] = [];

  const view = async (instance: Instance): Promise<SchedulerView> => (await fetch(`${instance.url}/scheduler`)).json() as Promise<SchedulerView>;

  beforeAll(async () => {
    t = await createTestDatabase("postgresql");
    receiver = await startWebhookReceiver();
    const env = {
      DATABASE_URL: t.url,
      // The test's engine and the instances share the keys: each opens the secrets and sign-ins the others stored.
      PORTAL_ENCRYPTION_KEYS: `${TEST_KEYS[0].id}:${TEST_KEYS[0].key.toString("base64")}`,
      ...sandboxPortalEnv(fx),
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: receiver.host,
      // Everything as often as it can go, so the two instances contend for every claim.
      PROVISIONING_RESUME_INTERVAL_MS: "100",
      WEBHOOK_DELIVERY_INTERVAL_MS: "100",
      HEALTH_PROBE_POLL_INTERVAL_MS: "100",
      HEALTH_PROBE_CONCURRENCY: "8",
      PROVISIONING_POLL_INTERVAL_MS: "100",
      PROVISIONING_LEASE_MS: "3000",
      SCHEDULER_SHUTDOWN_GRACE_MS: "1500",
      LOG_LEVEL: "error",
    };
    const started = [startPortalInstance(env), startPortalInstance(env)];
    for (const process of started) {
      const url = `http://127.0.0.1:${await process.port}`;
      const instance = { process, url, owner: "" };
      instance.owner = (await view(instance)).owner;
      instances.push(instance);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.process.kill()));
    await receiver?.close();
    await t?.cleanup();
  });

  it("does each of 1,000 due probes exactly once, both instances taking a share", async () => {
    // Connected by the instances themselves: they pick the approved run up among the due runs.
    const run = await approvedRun();
    await until(
      "the instances connect Contoso",
      async () => (await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).status === "succeeded",
    );
    const original = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    const secretRow = await t.db.secret.findFirstOrThrow({ where: { connectionId: original.id, kind: "clientSecret", status: "active" } });
    const secret = await readSecret(t.db, { secretId: secretRow.id, keys: TEST_KEYS });
    if (!secret?.ok) throw new Error("secret unreadable");
    // 999 more connections of the same working app (each with its own stored copy of the secret), all due at once once
    // their secrets are stored (not before: a probe would find no secret).
    const later = new Date(Date.now() + 24 * 3600_000);
    const { id: _id, createdAt: _c, updatedAt: _u, ...facts } = original;
    const clones = Array.from({ length: PROBES - 1 }, () => ({ ...facts, id: `clone-${randomUUID()}`, syncOptions: undefined, probeDueAt: later }));
    const secrets = clones.map((c) => {
      const id = randomUUID();
      return {
        id,
        connectionId: c.id,
        kind: "clientSecret" as const,
        status: "active" as const,
        ...sealSecret(secret.value, TEST_KEYS, secretAad(id, c.id, "clientSecret")),
        microsoftKeyId: secretRow.microsoftKeyId,
        expiresAt: secretRow.expiresAt,
      };
    });
    await t.db.connection.createMany({ data: clones });
    await t.db.secret.createMany({ data: secrets });
    await t.db.connection.updateMany({ where: { status: "active" }, data: { probeDueAt: new Date(Date.now() - 60_000) } });

    const started = Date.now();
    const progress = async () => `every due probe is done (${await t.db.healthProbe.count()} of ${PROBES} after ${(Date.now() - started) / 1000} s)`;
    await until(
      progress,
      async () => (await t.db.healthProbe.count()) >= PROBES && (await t.db.connection.count({ where: { probeLeaseOwner: { not: null } } })) === 0,
      200_000,
    );
    const seconds = (Date.now() - started) / 1000;

    const perConnection = await t.db.healthProbe.groupBy({ by: ["connectionId"], _count: { _all: true } });
    expect(perConnection).toHaveLength(PROBES);
    expect(perConnection.filter((p) => p._count._all !== 1)).toEqual([]);
    expect(await t.db.healthProbe.count({ where: { ok: false } })).toBe(0);
    expect(await t.db.connection.count({ where: { status: "active", healthState: "healthy" } })).toBe(PROBES);
    // Each is back on the schedule, none due again within the hour.
    expect(await t.db.connection.count({ where: { status: "active", probeDueAt: { lt: new Date(Date.now() + 3600_000) } } })).toBe(0);

    const shares = await Promise.all(instances.map(async (i) => (await view(i)).stats.probes.finished));
    expect(shares.reduce((a, b) => a + b, 0)).toBe(PROBES);
    for (const share of shares) expect(share).toBeGreaterThan(PROBES / 10);
    console.info(`two instances: ${PROBES} probes in ${seconds.toFixed(1)} s, shares ${shares.join(" + ")}`);
  });

  it("delivers each connection's webhook events in order, across both instances", async () => {
    const endpoint = await t.db.webhookEndpoint.create({ data: { url: receiver.url, createdBy: "test" } });
    const { secret } = await addSigningSecret(t.db, { endpointId: endpoint.id, keys: TEST_KEYS });
    receiver.setSecrets([secret]);
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
    const connections = await Promise.all(
      Array.from({ length: 6 }, () => t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } })),
    );
    // Twenty status changes per connection, interleaved across connections as a busy portal writes them.
    const statuses = ["provisioning", "actionRequired"];
    for (let round = 0; round < 20; round++) {
      for (const connection of connections) {
        await t.db.$transaction((tx) =>
          enqueueWebhookEvents(
            tx,
            {
              connectionId: connection.id,
              runId: null,
              statusBefore: statuses[round % 2],
              statusAfter: statuses[(round + 1) % 2],
              failingStep: null,
              errorCode: null,
              at: new Date(),
            },
            { retryBudgetMs: 3600_000 },
          ),
        );
      }
    }
    const deliveries = await t.db.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { sequence: "asc" } });
    await until(
      "every event is delivered",
      async () => (await t.db.webhookDelivery.count({ where: { endpointId: endpoint.id, status: "succeeded" } })) === deliveries.length,
    );

    const accepted = receiver.accepted().map((r) => r.id);
    expect(new Set(accepted).size).toBe(deliveries.length);
    for (const connection of connections) {
      const sent = deliveries.filter((d) => d.connectionId === connection.id).map((d) => d.eventId);
      expect(accepted.filter((id) => sent.includes(id))).toEqual(sent);
    }
    const shares = await Promise.all(instances.map(async (i) => (await view(i)).stats.webhooks.finished));
    expect(shares.reduce((a, b) => a + b, 0)).toBe(deliveries.length);
  });

  // Approved without a pool: the instances find it among the due runs.
  const approvedRun = () => startApprovedContosoRun(t.db, testEngine(t.db, fx), fx);
  const expectExactlyOneOfEverything = (connectionId: string) => expectOneOfEverything(t.db, fx, connectionId);

  /** The instance whose drive holds the run once `step` has committed (the run slowed by the sandbox's latency). */
  async function holderAfter(runId: string, step: string): Promise<Instance> {
    let holder: Instance | undefined;
    await until(`a live instance runs the run past ${step}`, async () => {
      const run = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: runId }, include: { steps: { where: { name: step } } } });
      holder = instances.find((i) => run.status === "running" && run.leaseOwner?.startsWith(`${i.owner}:`));
      return holder !== undefined && run.steps[0]?.status === "succeeded";
    });
    return holder!;
  }

  it("finishes with exactly one of everything a run whose instance was killed in the middle of it", async () => {
    const run = await approvedRun();
    await fx.control.setSettings({ baseLatencyMs: 150 });
    const victim = await holderAfter(run.id, "appRegistration");
    await victim.process.kill();
    instances.splice(instances.indexOf(victim), 1);
    await fx.control.setSettings({ baseLatencyMs: 0 });

    await until(
      "the survivor finishes the run",
      async () => (await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).status === "succeeded",
    );
    const finished = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(finished.leaseOwner).toBeNull();
    await expectExactlyOneOfEverything(run.connection.id);
  });

  it("on SIGTERM exits cleanly and ends its leases at once: its run and its probes are free for another instance", async () => {
    const [survivor] = instances;
    const run = await approvedRun();
    // Slow enough that probes are in flight and the run is mid-way when the signal comes.
    await fx.control.setSettings({ baseLatencyMs: 400 });
    await holderAfter(run.id, "environment");
    await t.db.connection.updateMany({ where: { id: { startsWith: "clone-" } }, data: { probeDueAt: new Date(Date.now() - 1_000) } });
    await until("the instance holds probes", async () => (await t.db.connection.count({ where: { probeLeaseOwner: survivor.owner } })) > 0);

    const exit = await survivor.process.stop();
    instances.splice(instances.indexOf(survivor), 1);
    await fx.control.setSettings({ baseLatencyMs: 0 });
    expect(exit, survivor.process.stderr()).toEqual({ code: 0, signal: null });

    // Nothing is held any more: the run's lease ended (not just abandoned) and the probes are due, unclaimed.
    const now = new Date();
    const left = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(left.status).toBe("running");
    expect(left.leaseUntil!.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(await t.db.connection.count({ where: { probeLeaseOwner: { not: null } } })).toBe(0);
    expect(await t.db.connection.count({ where: { id: { startsWith: "clone-" }, probeDueAt: { lte: now } } })).toBeGreaterThan(0);

    // Another instance takes the run at once, without waiting out a lease, and finishes it.
    const next = await driveRunWith(testEngine(t.db, fx, { owner: "next-instance" }), run.id);
    expect(next.status).toBe("succeeded");
    await expectExactlyOneOfEverything(run.connection.id);
  });
});
