/**
 * A hand-made connection becomes Active through the connection's one command: Act-On hears about it
 * (`connection.status_changed` in the webhook outbox) and the support console's read model stops pointing at the
 * run that failed before.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { saveManualConnection } from "./save-manual-connection";
import { storeSecret } from "../domain/secret/store-secret";

const providers = await providersUnderTest();
const KEYS = [{ id: "test", key: randomBytes(32) }];

describe.each(providers)("saving a proven hand-made connection, on %s", (provider) => {
  const t = useTestDatabase(provider);

  async function failedConnection() {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
    // As a cloud run that failed at the application user leaves it (the console shows the failing step).
    const connection = await t.db.connection.create({
      data: {
        accountId: account.id,
        authMode: "cloud",
        status: "failed",
        currentRunId: "run-that-failed",
        failingStep: "applicationUser",
        failingErrorCode: "insufficient_privileges",
        statusChangedAt: new Date("2026-01-01T00:00:00Z"),
      },
    });
    return { account, connection };
  }

  async function save(accountId: string, connectionId: string, now: Date) {
    return saveManualConnection(t.db, {
      accountId,
      connectionId,
      values: {
        tenant: "contoso.onmicrosoft.com",
        clientId: "35000000-0000-4000-8000-0000000000AA",
        clientSecret: "abc~hand-made-secret",
        environmentUrl: "https://contoso.crm.dynamics.com",
      },
      proof: {
        tenantId: "11111111-1111-4111-8111-111111111111",
        environmentUrl: "https://contoso.crm.dynamics.com",
        whoAmI: { userId: "22222222-2222-4222-8222-222222222222", businessUnitId: "b", organizationId: "o" },
        tablesRead: ["contacts"],
        tablesMissing: [],
        unavailableFeatures: [],
      },
      actor: { type: "admin", id: "admin@contoso.onmicrosoft.com" },
      keys: KEYS,
      now,
    });
  }

  it("emits connection.status_changed and clears the console's failing step and run", async () => {
    await t.db.webhookEndpoint.create({ data: { url: "https://hooks.example.com/acton", createdBy: "test" } });
    const { account, connection } = await failedConnection();
    const now = new Date("2026-02-03T04:05:06Z");
    const saved = await save(account.id, connection.id, now);
    expect(saved.ok).toBe(true);

    const after = await t.db.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(after).toMatchObject({
      status: "active",
      authMode: "cloud",
      currentRunId: null,
      failingStep: null,
      failingErrorCode: null,
      clientId: "35000000-0000-4000-8000-0000000000aa",
    });
    expect(after.statusChangedAt?.toISOString()).toBe(now.toISOString());

    const events = await t.db.webhookEvent.findMany({ where: { connectionId: connection.id } });
    expect(events.map((e) => e.type)).toEqual(["connection.status_changed"]);
    expect(events[0].payload).toMatchObject({ data: { status: "active", previousStatus: "failed", runId: null, failing: null } });
    expect(JSON.stringify(events[0].payload)).not.toContain("hand-made-secret");
  });

  it("refuses while a run is unfinished and changes nothing", async () => {
    const { account, connection } = await failedConnection();
    await t.db.provisioningRun.create({ data: { connectionId: connection.id, kind: "connect", status: "awaitingApproval" } });
    const saved = await save(account.id, connection.id, new Date());
    expect(saved.ok).toBe(false);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({
      status: "failed",
      failingStep: "applicationUser",
    });
    expect(await t.db.secret.count({ where: { connectionId: connection.id } })).toBe(0);
  });

  it("replaces a certificate connection's credential: the stored certificate is forgotten and the connection signs in with the pasted secret", async () => {
    const { account, connection } = await failedConnection();
    await t.db.connection.update({ where: { id: connection.id }, data: { credentialMode: "certificate" } });
    const cert = await storeSecret(t.db, { connectionId: connection.id, kind: "certificateKey", plaintext: "{}", keys: KEYS, status: "active" });
    expect((await save(account.id, connection.id, new Date("2026-02-03T04:05:06Z"))).ok).toBe(true);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ credentialMode: "secret" });
    expect(await t.db.secret.findUniqueOrThrow({ where: { id: cert.id } })).toMatchObject({ status: "revoked", ciphertext: "" });
  });
});
