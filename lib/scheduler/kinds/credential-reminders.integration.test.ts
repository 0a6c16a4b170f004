/**
 * The scheduler publishes client secret expiry reminders: one sweep per interval per instance, and two instances'
 * schedulers sweeping the same database send each reminder once. Driven by the clock: a secret-mode connection made
 * against the sandbox, both clocks (the sandbox's and the job's) moved day by day towards the secret's expiry, and the
 * 30, 14, 7 and 1 day reminders arrive at a receiver once each, signed, while the secret still signs in; past its end
 * the sandbox refuses it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectionWithSecretExpiringAt } from "@/test/support/expiring-connection";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { useTestDatabase } from "@/test/support/test-databases";
import { startWebhookReceiver, type WebhookReceiver } from "@/test/support/webhook-receiver";
import { readActiveAppCredential } from "../../domain/secret/app-credential";
import { getAppToken } from "../../microsoft/app-tokens";
import { isMicrosoftError } from "../../microsoft/errors";
import { deliverDueWebhooks } from "../../webhooks/deliver-webhooks";
import { addSigningSecret } from "../../webhooks/signing-secrets";
import { createScheduler, jobKind } from "../scheduler";
import { credentialRemindersKind } from "./credential-reminders";

vi.setConfig({ testTimeout: 90_000 });
const fx = useMicrosoftSandbox();
const DAY = 86_400_000;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

describe("credential reminders in the scheduler", () => {
  const t = useTestDatabase("sqlite");

  it("two instances sweeping at once publish the due reminder once, and an instance sweeps once per interval", async () => {
    const connectionId = await connectionWithSecretExpiringAt(t.db, new Date(Date.now() + 10 * 86_400_000));

    const instances = [0, 1].map(() =>
      createScheduler({ size: 2, tickMs: 20, kinds: [jobKind(credentialRemindersKind(t.db, { pollEveryMs: 60_000 }))] }),
    );
    for (const scheduler of instances) scheduler.start();
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(instances.map((s) => s.idle()));
    await Promise.all(instances.map((s) => s.stop()));

    // Each instance swept once in its interval, though it was asked every tick.
    expect(instances.map((s) => s.stats().credentialReminders.finished)).toEqual([1, 1]);
    const events = await t.db.webhookEvent.findMany({ where: { connectionId, type: "connection.credential_expiring" } });
    expect(events.map((e) => (e.payload as { data: { daysLeft: number } }).data.daysLeft)).toEqual([14]);
  });

  it("on the clock: 30, 14, 7 and 1 days before a sandbox secret expires, each reminder arrives once, signed", async () => {
    const engine = testEngine(t.db, fx);
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx, undefined, "secret");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const expiresAt = connection.secretExpiresAt!;
    await t.db.webhookEndpoint.deleteMany();
    const endpoint = await t.db.webhookEndpoint.create({
      data: { url: receiver.url, createdBy: "test", eventTypes: ["connection.credential_expiring"] },
    });
    receiver.setSecrets([(await addSigningSecret(t.db, { endpointId: endpoint.id, keys: TEST_KEYS })).secret]);
    receiver.received.length = 0;

    let offsetMs = 0;
    const kind = credentialRemindersKind(t.db, { pollEveryMs: 60_000, now: () => new Date(Date.now() + offsetMs) });
    const signsIn = async () => {
      const live = await readActiveAppCredential(t.db, { connectionId, mode: "secret", keys: TEST_KEYS });
      if (live.status !== "open") throw new Error(live.status);
      try {
        await getAppToken({
          ...live.credential,
          config: fx.config,
          tenantId: connection.tenantId!,
          clientId: connection.clientId!,
          resource: "graph",
          skipCache: true,
        });
        return true;
      } catch (error) {
        if (isMicrosoftError(error)) return false;
        throw error;
      }
    };
    // Days before the expiry at which both clocks stop: around each threshold, and twice inside one.
    for (const daysBefore of [31, 29.9, 20, 13.9, 13, 6.9, 6.5, 0.9, 0.5]) {
      const step = expiresAt.getTime() - daysBefore * DAY - (Date.now() + offsetMs);
      offsetMs += step;
      await fx.control.advanceClock(step);
      await kind.run("sweep", { stop: new AbortController().signal });
    }
    expect(await signsIn()).toBe(true);
    // The events are dated on the moved clock; the deliverer runs on the machine's, so they are brought due now.
    await t.db.webhookDelivery.updateMany({ where: { connectionId }, data: { nextAttemptAt: new Date() } });
    await deliverDueWebhooks({
      db: t.db,
      keys: TEST_KEYS,
      owner: "test",
      timeoutMs: 5_000,
      leaseMs: 15_000,
      baseDelayMs: 10,
      maxDelayMs: 40,
      batchSize: 20,
      concurrency: 1,
      allowedPrivateHosts: [receiver.host],
    });
    const arrived = receiver.accepted().map((hook) => JSON.parse(hook.body) as { type: string; data: { connectionId: string; daysLeft: number } });
    expect(receiver.accepted().every((hook) => hook.verified)).toBe(true);
    expect(new Set(receiver.accepted().map((hook) => hook.id)).size).toBe(arrived.length);
    expect(arrived.map((e) => [e.type, e.data.connectionId, e.data.daysLeft])).toEqual(
      [30, 14, 7, 1].map((d) => ["connection.credential_expiring", connectionId, d]),
    );

    // Past its end the sandbox refuses the secret, as Microsoft does: the reminders came while it still worked.
    const past = expiresAt.getTime() + DAY - (Date.now() + offsetMs);
    offsetMs += past;
    await fx.control.advanceClock(past);
    expect(await signsIn()).toBe(false);
    await kind.run("sweep", { stop: new AbortController().signal });
    expect(await t.db.webhookEvent.count({ where: { connectionId, type: "connection.credential_expiring" } })).toBe(4);
  });
});
