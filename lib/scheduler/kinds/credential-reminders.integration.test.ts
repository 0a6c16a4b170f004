/**
 * The scheduler publishes client secret expiry reminders: one sweep per interval per instance, and two instances'
 * schedulers sweeping the same database send each reminder once.
 */
import { describe, expect, it } from "vitest";
import { TEST_KEYS } from "@/test/support/engine-fixture";
import { useTestDatabase } from "@/test/support/test-databases";
import { ensureAccount } from "../../domain/account/ensure-account";
import { createConnection } from "../../domain/connection/create-connection";
import { storeSecret } from "../../domain/secret/store-secret";
import { createScheduler, jobKind } from "../scheduler";
import { credentialRemindersKind } from "./credential-reminders";

describe("credential reminders in the scheduler", () => {
  const t = useTestDatabase("sqlite");

  it("two instances sweeping at once publish the due reminder once, and an instance sweeps once per interval", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: "acct-reminders", name: "Contoso" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud", environmentUrl: "https://contoso.crm.dynamics.com" });
    await t.db.connection.update({ where: { id: connection.id }, data: { status: "active" } });
    await storeSecret(t.db, {
      connectionId: connection.id,
      kind: "clientSecret",
      plaintext: "scheduled-reminder-secret",
      keys: TEST_KEYS,
      status: "active",
      expiresAt: new Date(Date.now() + 10 * 86_400_000),
    });
    await t.db.webhookEndpoint.create({ data: { url: "https://hooks.example.com/acton", createdBy: "test" } });

    const instances = [0, 1].map(() =>
      createScheduler({ size: 2, tickMs: 20, kinds: [jobKind(credentialRemindersKind(t.db, { pollEveryMs: 60_000 }))] }),
    );
    for (const scheduler of instances) scheduler.start();
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(instances.map((s) => s.idle()));
    await Promise.all(instances.map((s) => s.stop()));

    // Each instance swept once in its interval, though it was asked every tick.
    expect(instances.map((s) => s.stats().credentialReminders.finished)).toEqual([1, 1]);
    const events = await t.db.webhookEvent.findMany({ where: { connectionId: connection.id, type: "connection.credential_expiring" } });
    expect(events.map((e) => (e.payload as { data: { daysLeft: number } }).data.daysLeft)).toEqual([14]);
  });
});
