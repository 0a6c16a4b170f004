/**
 * The scheduler publishes client secret expiry reminders: one sweep per interval per instance, and two instances'
 * schedulers sweeping the same database send each reminder once.
 */
import { describe, expect, it } from "vitest";
import { connectionWithSecretExpiringAt } from "@/test/support/expiring-connection";
import { useTestDatabase } from "@/test/support/test-databases";
import { createScheduler, jobKind } from "../scheduler";
import { credentialRemindersKind } from "./credential-reminders";

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
});
