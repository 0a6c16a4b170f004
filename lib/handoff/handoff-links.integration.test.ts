/**
 * Hand-off links on SQLite and PostgreSQL: signed, single-use (also under a race), expiring, revocable, scoped to
 * one connection and its steps, and audited with both actors.
 */
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { createHandoffLink, listHandoffLinks, openHandoffLink, revokeHandoffLinks, type HandoffConfig } from "./handoff-links";
import { signHandoffToken, verifyHandoffToken } from "./handoff-token";
import { openHandoffSession } from "./open-handoff-session";
import { findSessionByToken } from "../sessions/portal-sessions";

const providers = await providersUnderTest();
const KEYS = [
  { kid: "k2", secret: "second-handoff-test-secret-0123456789abcdef" },
  { kid: "k1", secret: "first-handoff-test-secret-0123456789abcdefgh" },
];
const BASE = "http://localhost:3681";
const config: HandoffConfig = { keys: KEYS, portalBaseUrl: BASE, ttlMs: 24 * 60 * 60_000 };
const firstAdmin = { type: "admin" as const, id: "tenant-1:user-oid" };

const tokenOf = (url: string) => new URL(url).searchParams.get("t")!;

describe("hand-off tokens", () => {
  const now = new Date("2026-12-02T03:00:00Z");
  const sign = (over: Partial<Parameters<typeof signHandoffToken>[0]> = {}) =>
    signHandoffToken({
      keys: KEYS,
      portalBaseUrl: BASE,
      linkId: "link-0000001",
      connectionId: "conn-1",
      steps: ["adminConsent"],
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 3600_000),
      ...over,
    });

  it("verifies with any configured key and returns the link, connection and steps", async () => {
    const token = await sign();
    expect(await verifyHandoffToken(token, { keys: [KEYS[1], KEYS[0]], portalBaseUrl: `${BASE}/`, now })).toEqual({
      ok: true,
      claims: { linkId: "link-0000001", connectionId: "conn-1", steps: ["adminConsent"], expiresAt: new Date(now.getTime() + 3600_000) },
    });
  });

  it.each([
    [
      "a token signed with an unknown key",
      async () => sign({ keys: [{ kid: "x", secret: "some-other-secret-0123456789abcdefghij" }] }),
      "handoff_invalid_signature",
    ],
    [
      "a token with a changed payload",
      async () => {
        const [h, , s] = (await sign()).split(".");
        const forged = Buffer.from(
          JSON.stringify({ jti: "link-0000002", connection_id: "conn-2", steps: ["adminConsent"], iat: 1, exp: 9e9, iss: BASE, aud: BASE }),
        ).toString("base64url");
        return `${h}.${forged}.${s}`;
      },
      "handoff_invalid_signature",
    ],
    ["a token for another portal", async () => sign({ portalBaseUrl: "https://other.example" }), "handoff_invalid_signature"],
    [
      "an expired token",
      async () => sign({ issuedAt: new Date(now.getTime() - 7200_000), expiresAt: new Date(now.getTime() - 3600_000) }),
      "handoff_expired",
    ],
    ["garbage", async () => "not-a-token", "handoff_malformed"],
  ])("refuses %s", async (_label, make, code) => {
    const result = await verifyHandoffToken(await make(), { keys: KEYS, portalBaseUrl: BASE, now });
    expect(result).toMatchObject({ ok: false, code });
  });
});

describe.each(providers)("hand-off links on %s", (provider) => {
  const t = useTestDatabase(provider);

  async function newConnection() {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const connection = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "actionRequired" } });
    return { account, connection };
  }

  it("creates a link scoped to the connection's steps, opens it once, and audits both actors", async () => {
    const { account, connection } = await newConnection();
    const created = await createHandoffLink(
      t.db,
      {
        accountId: account.id,
        connectionId: connection.id,
        steps: ["preconditions", "adminConsent"],
        requiredRole: "Global Administrator",
        actor: firstAdmin,
      },
      config,
    );
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.url.startsWith(`${BASE}/handoff?t=`)).toBe(true);
    expect(created.value.expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const opened = await openHandoffLink(t.db, tokenOf(created.value.url), { keys: KEYS, portalBaseUrl: BASE, claimedBy: "session-colleague" });
    expect(opened).toEqual({
      ok: true,
      handoff: {
        linkId: created.value.linkId,
        accountId: account.id,
        connectionId: connection.id,
        steps: ["preconditions", "adminConsent"],
        requiredRole: "Global Administrator",
        createdBy: firstAdmin.id,
      },
    });
    const again = await openHandoffLink(t.db, tokenOf(created.value.url), { keys: KEYS, portalBaseUrl: BASE, claimedBy: "session-other" });
    expect(again).toMatchObject({ ok: false, code: "handoff_used", error: { code: "link_replayed" } });

    const events = await t.db.auditEvent.findMany({ where: { connectionId: connection.id }, orderBy: { occurredAt: "asc" } });
    expect(events.map((e) => [e.action, e.actorId, e.outcome])).toEqual([
      ["handoff.created", firstAdmin.id, null],
      ["handoff.opened", "handoff-link", "success"],
      ["handoff.refused", "handoff-link", "failure"],
    ]);
    expect(JSON.stringify(events)).not.toContain(tokenOf(created.value.url));
    const row = await t.db.handoffLink.findUniqueOrThrow({ where: { id: created.value.linkId } });
    expect(row.usedBySessionId).toBe("session-colleague");
  });

  it("lets exactly one of two concurrent openings through", async () => {
    const { account, connection } = await newConnection();
    const created = await createHandoffLink(
      t.db,
      { accountId: account.id, connectionId: connection.id, steps: ["adminConsent"], actor: firstAdmin },
      config,
    );
    if (!created.ok) throw new Error(created.error.userMessage);
    const token = tokenOf(created.value.url);
    const results = await Promise.all(
      ["a", "b", "c"].map((who) => openHandoffLink(t.db, token, { keys: KEYS, portalBaseUrl: BASE, claimedBy: `session-${who}` })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it("refuses an expired link and a withdrawn one", async () => {
    const { account, connection } = await newConnection();
    const past = new Date(Date.now() - 25 * 3600_000);
    const expired = await createHandoffLink(
      t.db,
      { accountId: account.id, connectionId: connection.id, steps: ["adminConsent"], actor: firstAdmin, now: past },
      config,
    );
    if (!expired.ok) throw new Error(expired.error.userMessage);
    expect(await openHandoffLink(t.db, tokenOf(expired.value.url), { keys: KEYS, portalBaseUrl: BASE, claimedBy: "s" })).toMatchObject({
      ok: false,
      code: "handoff_expired",
    });

    const fresh = await createHandoffLink(
      t.db,
      { accountId: account.id, connectionId: connection.id, steps: ["adminConsent"], actor: firstAdmin },
      config,
    );
    if (!fresh.ok) throw new Error(fresh.error.userMessage);
    expect(await revokeHandoffLinks(t.db, { connectionId: connection.id, actor: firstAdmin })).toBe(1);
    expect(await openHandoffLink(t.db, tokenOf(fresh.value.url), { keys: KEYS, portalBaseUrl: BASE, claimedBy: "s" })).toMatchObject({
      ok: false,
      code: "handoff_revoked",
    });
    const listed = await listHandoffLinks(t.db, { accountId: account.id, connectionId: connection.id });
    expect(listed.map((l) => l.state).sort()).toEqual(["expired", "revoked"]);
  });

  it("refuses to create a link for another account's connection, or for unknown steps", async () => {
    const { connection } = await newConnection();
    const other = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Fabrikam" });
    const foreign = await createHandoffLink(
      t.db,
      { accountId: other.id, connectionId: connection.id, steps: ["adminConsent"], actor: firstAdmin },
      config,
    );
    expect(foreign).toMatchObject({ ok: false, error: { code: "not_found" } });
    const bogus = await createHandoffLink(
      t.db,
      { accountId: connection.accountId, connectionId: connection.id, steps: ["deleteEverything"], actor: firstAdmin },
      config,
    );
    expect(bogus).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await t.db.handoffLink.count({ where: { connectionId: connection.id } })).toBe(0);
  });

  it("exchanges a link for a hand-off portal session bound to the connection and its steps", async () => {
    const { account, connection } = await newConnection();
    const created = await createHandoffLink(
      t.db,
      { accountId: account.id, connectionId: connection.id, steps: ["adminConsent"], actor: firstAdmin },
      config,
    );
    if (!created.ok) throw new Error(created.error.userMessage);
    const lifetimes = { idleMs: 3600_000, absoluteMs: 7200_000 };
    const opened = await openHandoffSession(t.db, { token: tokenOf(created.value.url), config, lifetimes });
    expect(opened.kind).toBe("opened");
    if (opened.kind !== "opened") return;
    expect(opened.session).toMatchObject({
      accountId: account.id,
      connectionId: connection.id,
      intent: "handoff",
      microsoft: null,
      handoff: { linkId: created.value.linkId, steps: ["adminConsent"] },
    });
    const found = await findSessionByToken(t.db, opened.sessionToken, { lifetimes });
    expect(found.kind).toBe("active");
    const row = await t.db.handoffLink.findUniqueOrThrow({ where: { id: created.value.linkId } });
    expect(row.usedBySessionId).toBe(opened.session.id);
    const second = await openHandoffSession(t.db, { token: tokenOf(created.value.url), config, lifetimes });
    expect(second).toMatchObject({ kind: "refused", code: "handoff_used" });
  });
});
