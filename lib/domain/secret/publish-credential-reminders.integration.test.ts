/**
 * Client secret expiry reminders on SQLite and PostgreSQL: each threshold once, in order, never twice when two
 * instances sweep at once; a new secret starts again; nothing for a connection that is not Active.
 */
import { describe, expect, it } from "vitest";
import { TEST_KEYS } from "@/test/support/engine-fixture";
import { connectionWithSecretExpiringAt, EXPIRING_SECRET_VALUE } from "@/test/support/expiring-connection";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { publishCredentialReminders } from "./publish-credential-reminders";
import { storeSecret } from "./store-secret";

const providers = await providersUnderTest();
const DAY = 86_400_000;
const start = new Date("2027-01-01T09:00:00Z");
const at = (days: number) => new Date(start.getTime() + days * DAY);

describe.each(providers)("credential expiry reminders on %s", (provider) => {
  const t = useTestDatabase(provider);

  const connectionExpiringIn = (days: number) => connectionWithSecretExpiringAt(t.db, at(days));

  const reminders = async (connectionId: string) =>
    (await t.db.webhookEvent.findMany({ where: { connectionId, type: "connection.credential_expiring" }, orderBy: { createdAt: "asc" } })).map(
      (e) => (e.payload as { data: { daysLeft: number } }).data.daysLeft,
    );
  const sweep = (days: number) => publishCredentialReminders(t.db, { now: at(days) });

  it("publishes 30, 14, 7 and 1 days before the expiry, each once, with the credential's expiry and no secret", async () => {
    const connectionId = await connectionExpiringIn(40);
    for (const day of [0, 9, 10, 11, 20, 26, 27, 33, 34, 39, 39.5, 41]) await sweep(day);
    expect(await reminders(connectionId)).toEqual([30, 14, 7, 1]);
    const [first] = await t.db.webhookEvent.findMany({
      where: { connectionId, type: "connection.credential_expiring" },
      orderBy: { createdAt: "asc" },
    });
    expect(first.payload).toMatchObject({
      type: "connection.credential_expiring",
      data: {
        connectionId,
        credential: { kind: "clientSecret", keyId: "key-1", expiresAt: at(40).toISOString() },
        daysLeft: 30,
        renewal: "reconnect",
      },
    });
    expect(JSON.stringify(first.payload)).not.toContain(EXPIRING_SECRET_VALUE);
    expect(await t.db.webhookDelivery.count({ where: { eventId: first.id } })).toBe(1);
  });

  it("after a silence sends only the most urgent reminder; two instances sweeping at once send it once", async () => {
    const connectionId = await connectionExpiringIn(6);
    const both = await Promise.all([sweep(0), sweep(0), sweep(0)]);
    expect(both.flat().filter((r) => r.connectionId === connectionId)).toHaveLength(1);
    expect(await reminders(connectionId)).toEqual([7]);
  });

  it("a reconnect's new secret starts again; a connection that is not Active gets none", async () => {
    const connectionId = await connectionExpiringIn(20);
    await sweep(0);
    await t.db.secret.updateMany({ where: { connectionId }, data: { status: "revoked" } });
    await storeSecret(t.db, {
      connectionId,
      kind: "clientSecret",
      plaintext: "second-secret",
      keys: TEST_KEYS,
      status: "active",
      microsoftKeyId: "key-2",
      expiresAt: at(25),
    });
    await sweep(0);
    expect(await reminders(connectionId)).toEqual([30, 30]);

    const disconnected = await connectionExpiringIn(3);
    await t.db.connection.update({ where: { id: disconnected }, data: { status: "disconnected" } });
    await sweep(0);
    expect(await reminders(disconnected)).toEqual([]);
  });

  it("a certificate connection gets none: only a client secret, which nothing renews, is announced", async () => {
    const connectionId = await connectionExpiringIn(20);
    await t.db.secret.updateMany({ where: { connectionId }, data: { status: "revoked" } });
    await t.db.connection.update({ where: { id: connectionId }, data: { credentialMode: "certificate" } });
    await storeSecret(t.db, {
      connectionId,
      kind: "certificateKey",
      plaintext: "{}",
      keys: TEST_KEYS,
      status: "active",
      microsoftKeyId: "key-3",
      expiresAt: at(20),
    });
    for (const day of [0, 7, 14, 19]) await sweep(day);
    expect(await reminders(connectionId)).toEqual([]);
  });
});
