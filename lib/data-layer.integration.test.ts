/**
 * The data layer on both databases the portal supports: every model created, read and updated; secrets encrypted
 * at rest; deep-link nonces single-use; the audit log append-only; the health probe. Runs once per provider.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ensureAccount } from "./domain/account/ensure-account";
import { listAuditEvents, recordAuditEvent } from "./domain/audit/record-audit-event";
import { createConnection } from "./domain/connection/create-connection";
import { consumeDeepLinkNonce, purgeExpiredNonces } from "./deep-link/consume-nonce";
import { checkHealth } from "./health/check-health";
import { readSecret, storeSecret } from "./domain/secret/store-secret";
import { createDb } from "./core/db";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";

const providers = await providersUnderTest();
const keys = [{ id: "test-key", key: randomBytes(32) }];

describe.each(providers)("data layer on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("creates, reads and updates accounts idempotently", async () => {
    const a = await ensureAccount(t.db, { actonAccountId: "acct-1", name: "Contoso Marketing" });
    const again = await ensureAccount(t.db, { actonAccountId: "acct-1", name: "ignored on second contact" });
    expect(again.id).toBe(a.id);
    const updated = await t.db.account.update({ where: { id: a.id }, data: { name: "Contoso" } });
    expect(updated.name).toBe("Contoso");
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(a.updatedAt.getTime());
    await Promise.all(Array.from({ length: 5 }, () => ensureAccount(t.db, { actonAccountId: "acct-race", name: "r" })));
    expect(await t.db.account.count({ where: { actonAccountId: "acct-race" } })).toBe(1);
  });

  it("creates, reads and updates connections, runs and steps, and finds them by the support console's filters", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: "acct-2", name: "Fabrikam" });
    const connection = await createConnection(t.db, {
      accountId: account.id,
      authMode: "cloud",
      environmentUrl: "https://fabrikam.crm.dynamics.com",
      tenantId: "11111111-2222-3333-4444-555555555555",
      syncOptions: { leads: true, contacts: true, direction: "bidirectional" },
    });
    expect(connection.status).toBe("draft");

    const run = await t.db.provisioningRun.create({
      data: { connectionId: connection.id, kind: "connect", options: { mode: "cloud", role: "leastPrivilege" } },
    });
    await t.db.provisioningStep.createMany({
      data: ["environment", "registerApp", "verify"].map((name, position) => ({ runId: run.id, connectionId: connection.id, name, position })),
    });
    await t.db.provisioningStep.update({
      where: { runId_name: { runId: run.id, name: "registerApp" } },
      data: {
        status: "failed",
        attempts: { increment: 1 },
        errorCode: "insufficient_privileges",
        userMessage: "You need the Application Administrator role.",
        requestIds: ["c4fd3acc-1558-4950-8028-68bb058f7bf0"],
      },
    });
    const verifiedAt = new Date("2026-11-26T10:00:00.000Z");
    await t.db.connection.update({
      where: { id: connection.id },
      data: { status: "active", lastVerifiedAt: verifiedAt, clientId: "aaaaaaaa-0000-0000-0000-000000000001", securityRole: "leastPrivilege" },
    });

    const found = await t.db.connection.findMany({
      where: { status: "active", tenantId: "11111111-2222-3333-4444-555555555555" },
      include: { runs: { include: { steps: { orderBy: { position: "asc" } } } } },
      orderBy: { updatedAt: "desc" },
    });
    expect(found).toHaveLength(1);
    expect(found[0].lastVerifiedAt?.toISOString()).toBe(verifiedAt.toISOString());
    expect(found[0].syncOptions).toEqual({ leads: true, contacts: true, direction: "bidirectional" });
    const steps = found[0].runs[0].steps;
    expect(steps.map((s) => s.name)).toEqual(["environment", "registerApp", "verify"]);
    expect(steps[1]).toMatchObject({ status: "failed", attempts: 1, errorCode: "insufficient_privileges" });
    expect(steps[1].requestIds).toEqual(["c4fd3acc-1558-4950-8028-68bb058f7bf0"]);

    await expect(
      t.db.provisioningStep.create({ data: { runId: run.id, connectionId: connection.id, name: "verify", position: 9 } }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("claims a run with a compare-and-set on its version, so only one of two racers wins", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: "acct-3", name: "Northwind" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    const run = await t.db.provisioningRun.create({ data: { connectionId: connection.id, kind: "connect", status: "pending" } });
    const claim = (owner: string) =>
      t.db.provisioningRun.updateMany({
        where: { id: run.id, version: run.version, status: "pending" },
        data: { status: "running", version: { increment: 1 }, leaseOwner: owner, leaseUntil: new Date(Date.now() + 60_000) },
      });
    const results = await Promise.all([claim("instance-a"), claim("instance-b")]);
    expect(results.map((r) => r.count).sort()).toEqual([0, 1]);
    expect((await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).version).toBe(1);
  });

  it("stores secrets encrypted, reads them back, and rejects a tampered row", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: "acct-4", name: "Tailspin" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    const plaintext = "Zx8~Q_client-secret-value-1234567890";
    const { id } = await storeSecret(t.db, {
      connectionId: connection.id,
      kind: "clientSecret",
      plaintext,
      keys,
      microsoftKeyId: "f0b0b335-1d71-4883-8f98-567911bfdca6",
      hint: "Zx8",
      expiresAt: new Date("2027-11-26T00:00:00Z"),
    });
    const row = await t.db.secret.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(plaintext);
    expect(row).toMatchObject({ keyId: "test-key", status: "pending", hint: "Zx8" });
    expect(await readSecret(t.db, { secretId: id, keys })).toEqual({ ok: true, value: plaintext });

    await t.db.secret.update({ where: { id }, data: { status: "active" } });
    const bytes = Buffer.from(row.ciphertext, "base64");
    bytes[bytes.length - 1] ^= 0xff;
    await t.db.secret.update({ where: { id }, data: { ciphertext: bytes.toString("base64") } });
    const tampered = await readSecret(t.db, { secretId: id, keys });
    expect(tampered?.ok).toBe(false);

    const other = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    const { id: second } = await storeSecret(t.db, { connectionId: other.id, kind: "clientSecret", plaintext: "other", keys });
    const original = await t.db.secret.findUniqueOrThrow({ where: { id: second } });
    await t.db.secret.update({ where: { id: second }, data: { connectionId: connection.id } });
    expect((await readSecret(t.db, { secretId: original.id, keys }))?.ok).toBe(false);
    expect(await readSecret(t.db, { secretId: "missing", keys })).toBeNull();
  });

  it("accepts a deep-link nonce once, refuses the replay and expired links", async () => {
    const nonce = randomBytes(16).toString("hex");
    const expiresAt = new Date(Date.now() + 5 * 60_000);
    expect(await consumeDeepLinkNonce(t.db, { nonce, actonAccountId: "acct-1", expiresAt })).toEqual({ ok: true, value: undefined });
    const replay = await consumeDeepLinkNonce(t.db, { nonce, actonAccountId: "acct-1", expiresAt });
    expect(replay.ok === false && replay.error.code).toBe("link_replayed");
    const racers = await Promise.all(
      Array.from({ length: 4 }, () => consumeDeepLinkNonce(t.db, { nonce: "race-" + nonce, actonAccountId: "a", expiresAt })),
    );
    expect(racers.filter((r) => r.ok)).toHaveLength(1);
    const expired = await consumeDeepLinkNonce(t.db, { nonce: "old-" + nonce, actonAccountId: "a", expiresAt: new Date(Date.now() - 1) });
    expect(expired.ok === false && expired.error.code).toBe("link_expired");
    await t.db.deepLinkNonce.create({ data: { nonce: "stale", actonAccountId: "a", expiresAt: new Date(Date.now() - 60_000) } });
    expect(await purgeExpiredNonces(t.db)).toBeGreaterThanOrEqual(1);
  });

  it("appends audit events, redacts secrets given by mistake, and refuses updates and deletes", async () => {
    const { id } = await recordAuditEvent(t.db, {
      actor: { type: "admin", id: "admin@contoso.onmicrosoft.com" },
      action: "secret.created",
      connectionId: "conn-audit",
      outcome: "success",
      detail: { microsoftKeyId: "f0b0b335", client_secret: "leaked-value" },
    });
    const [event] = await listAuditEvents(t.db, { connectionId: "conn-audit" });
    expect(event.id).toBe(id);
    expect(JSON.stringify(event.detail)).not.toContain("leaked-value");
    // The database's trigger refuses both (the SQLite adapter reports RAISE(ABORT) as a constraint violation).
    await expect(t.db.auditEvent.update({ where: { id }, data: { action: "rewritten" } })).rejects.toThrow();
    await expect(t.db.auditEvent.delete({ where: { id } })).rejects.toThrow();
    await expect(t.db.auditEvent.deleteMany({})).rejects.toThrow();
    expect((await t.db.auditEvent.findUniqueOrThrow({ where: { id } })).action).toBe("secret.created");
  });

  it("reports the database reachable, and unreachable within the timeout when it is not", async () => {
    const healthy = await checkHealth({ db: () => t.db, databaseUrl: t.url, version: "1.2.3" });
    expect(healthy).toMatchObject({ status: "ok", version: "1.2.3", database: { provider, reachable: true } });
    const badUrl = provider === "postgresql" ? "postgresql://postgres@127.0.0.1:1/nowhere" : "file:/nonexistent-dir/x/y.db";
    const broken = createDb(badUrl);
    const down = await checkHealth({ db: () => broken, databaseUrl: badUrl, version: "1.2.3", timeoutMs: 1500 });
    expect(down).toMatchObject({ status: "degraded", database: { reachable: false, latencyMs: null } });
  });
});
