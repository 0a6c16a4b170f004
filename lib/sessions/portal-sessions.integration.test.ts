/**
 * Launch links and portal sessions against a real database, once per provider: a link opens one session bound to its
 * account, intent and return URL; the same browser may reopen it, another may not; refusals write only an audit
 * event; sessions end when idle, at their absolute limit, or when revoked.
 */
import { describe, expect, it } from "vitest";
import { openLaunchLink, type OpenLaunchLinkInput } from "../deep-link/open-launch-link";
import { signLaunchToken, type SignLaunchLinkInput } from "../deep-link/launch-link";
import { providersUnderTest, useTestDatabase, type TestDatabase } from "@/test/support/test-databases";
import {
  createPortalSession,
  findSessionByToken,
  recordPendingSignIn,
  revokePortalSession,
  rotateSessionToken,
  setSessionConnection,
  takePendingSignIn,
} from "./portal-sessions";
import { revokeAccountSessions } from "./revoke-account-sessions";
import { hashToken } from "./session-token";
import type { SessionLifetimes } from "./session-view";

const KEYS = [{ kid: "k1", secret: "integration-test-deep-link-secret-000000001" }];
const PORTAL = "http://localhost:3641";
const CONFIG = { keys: KEYS, portalBaseUrl: PORTAL, returnOrigins: ["https://app.act-on.com"] };
const LIFETIMES: SessionLifetimes = { idleMs: 8 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 };
const T0 = new Date("2026-12-02T02:00:00Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

let seq = 0;
function link(overrides: Partial<SignLaunchLinkInput> = {}) {
  seq += 1;
  return signLaunchToken({
    keys: KEYS,
    audience: PORTAL,
    actonAccountId: `acct-${Date.now().toString(36)}-${seq}`,
    accountName: "Acme Corp",
    userEmail: "jane@acme.example",
    intent: "connect",
    returnTo: "https://app.act-on.com/settings/connectors/crm",
    now: T0,
    ...overrides,
  });
}

function open(t: TestDatabase, token: string, extra: Partial<OpenLaunchLinkInput> = {}) {
  return openLaunchLink(t.db, { token, config: CONFIG, lifetimes: LIFETIMES, now: minutes(1), ...extra });
}

async function counts(t: TestDatabase) {
  const [accounts, connections, sessions, nonces, audits] = await Promise.all([
    t.db.account.count(),
    t.db.connection.count(),
    t.db.portalSession.count(),
    t.db.deepLinkNonce.count(),
    t.db.auditEvent.count({ where: { action: "deep_link.refused" } }),
  ]);
  return { accounts, connections, sessions, nonces, audits };
}

const providers = await providersUnderTest();

describe.each(providers)("launch links and portal sessions on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("opens a session bound to the link's account, intent, user and return URL, with a draft cloud connection", async () => {
    const result = await open(t, await link({ intent: "reconnect", actonAccountId: `acme-${provider}` }));
    if (result.kind !== "opened") throw new Error(`expected opened, got ${result.kind}`);
    expect(result.session).toMatchObject({
      actonAccountId: `acme-${provider}`,
      accountName: "Acme Corp",
      intent: "reconnect",
      returnTo: "https://app.act-on.com/settings/connectors/crm",
      actonUserEmail: "jane@acme.example",
      environmentHint: null,
      microsoft: null,
      handoff: null,
    });
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: result.session.connectionId! } });
    expect(connection).toMatchObject({ accountId: result.session.accountId, authMode: "cloud", status: "draft" });
    // Only the hash is stored; the cookie's token finds the session.
    const row = await t.db.portalSession.findUniqueOrThrow({ where: { id: result.session.id } });
    expect(row.tokenHash).toBe(hashToken(result.sessionToken));
    expect(JSON.stringify(row)).not.toContain(result.sessionToken);
    expect(result.expiresAt).toEqual(new Date(minutes(1).getTime() + LIFETIMES.absoluteMs));
    const found = await findSessionByToken(t.db, result.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) });
    expect(found).toMatchObject({ kind: "active", session: { id: result.session.id } });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "session.opened", connectionId: connection.id } });
    expect(audit).toMatchObject({ actorType: "admin", actorId: "acton-user:jane@acme.example" });
  });

  it("keeps the environment Act-On's link names on the session (normalised), and finds it again by the cookie's token", async () => {
    const result = await open(t, await link({ environmentUrl: "https://Contoso.crm.dynamics.com/" }));
    if (result.kind !== "opened") throw new Error(result.kind);
    expect(result.session.environmentHint).toBe("https://contoso.crm.dynamics.com");
    const found = await findSessionByToken(t.db, result.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) });
    expect(found).toMatchObject({ kind: "active", session: { environmentHint: "https://contoso.crm.dynamics.com" } });
  });

  it("reuses the account's latest connection that is not disconnected", async () => {
    const account = `reuse-${provider}`;
    const first = await open(t, await link({ actonAccountId: account }));
    if (first.kind !== "opened") throw new Error(first.kind);
    await t.db.connection.update({ where: { id: first.session.connectionId! }, data: { status: "active" } });
    const second = await open(t, await link({ actonAccountId: account }));
    expect(second).toMatchObject({ kind: "opened", session: { connectionId: first.session.connectionId } });
    await t.db.connection.update({ where: { id: first.session.connectionId! }, data: { status: "disconnected" } });
    const third = await open(t, await link({ actonAccountId: account }));
    if (third.kind !== "opened") throw new Error(third.kind);
    expect(third.session.connectionId).not.toBe(first.session.connectionId);
  });

  it("continues the session when the same browser reopens its link, even after the link expired", async () => {
    const token = await link();
    const first = await open(t, token);
    if (first.kind !== "opened") throw new Error(first.kind);
    const again = await open(t, token, { cookieToken: first.sessionToken, now: minutes(3) });
    expect(again).toMatchObject({ kind: "continued", session: { id: first.session.id } });
    const afterExpiry = await open(t, token, { cookieToken: first.sessionToken, now: minutes(40) });
    expect(afterExpiry).toMatchObject({ kind: "continued", session: { id: first.session.id } });
  });

  it("refuses the same link in another browser (no cookie, or another session's cookie), writing only an audit event", async () => {
    const token = await link();
    const first = await open(t, token);
    if (first.kind !== "opened") throw new Error(first.kind);
    const other = await open(t, await link());
    if (other.kind !== "opened") throw new Error(other.kind);
    const before = await counts(t);
    expect(await open(t, token)).toMatchObject({ kind: "refused", error: { code: "link_replayed" } });
    expect(await open(t, token, { cookieToken: other.sessionToken })).toMatchObject({ kind: "refused", error: { code: "link_replayed" } });
    expect(await open(t, token, { cookieToken: "forged-cookie" })).toMatchObject({ kind: "refused", error: { code: "link_replayed" } });
    expect(await counts(t)).toEqual({ ...before, audits: before.audits + 3 });
    // The other browser's session is untouched by the refused attempt.
    expect(await findSessionByToken(t.db, other.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) })).toMatchObject({ kind: "active" });
  });

  it("refuses each bad link with its own code, writing nothing but one audit event each", async () => {
    // This browser already holds a session: a refused link must not even touch it.
    const held = await open(t, await link());
    if (held.kind !== "opened") throw new Error(held.kind);
    const heldBefore = await t.db.portalSession.findUniqueOrThrow({ where: { id: held.session.id } });
    const before = await counts(t);
    const cases: [string, Promise<string>, Partial<OpenLaunchLinkInput>?][] = [
      ["link_invalid_signature", link({ keys: [{ kid: "k1", secret: "someone-else-s-secret-that-is-long-enough" }] })],
      ["link_wrong_audience", link({ audience: "https://other-portal.example.com" })],
      ["link_wrong_issuer", link({ overrides: { iss: "https://evil.example" } })],
      ["link_expired", link(), { now: minutes(30), cookieToken: held.sessionToken }],
      ["link_return_not_allowed", link({ returnTo: "https://evil.example/phish" }), { cookieToken: held.sessionToken, now: minutes(5) }],
      ["link_malformed", link({ overrides: { user_email: undefined } })],
    ];
    for (const [code, token, extra] of cases) {
      expect(await open(t, await token, extra), code).toMatchObject({ kind: "refused", error: { code } });
    }
    expect(await counts(t)).toEqual({ ...before, audits: before.audits + cases.length });
    expect(await t.db.portalSession.findUniqueOrThrow({ where: { id: held.session.id } })).toEqual(heldBefore);
    const audits = await t.db.auditEvent.findMany({ where: { action: "deep_link.refused" }, orderBy: { occurredAt: "desc" }, take: cases.length });
    expect(audits.map((a) => (a.detail as { code: string }).code).sort()).toEqual(cases.map((c) => c[0]).sort());
    // A forged link's claims are not trusted, so not even the account id it names is recorded.
    const forged = audits.find((a) => (a.detail as { code: string }).code === "link_invalid_signature")!;
    expect(forged.actorId).toBe("unverified-link");
    expect(JSON.stringify(forged.detail)).not.toContain("acct-");
  });

  it("a new link in a browser that holds a session replaces that session", async () => {
    const first = await open(t, await link());
    if (first.kind !== "opened") throw new Error(first.kind);
    const second = await open(t, await link(), { cookieToken: first.sessionToken });
    if (second.kind !== "opened") throw new Error(second.kind);
    expect(await findSessionByToken(t.db, first.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) })).toEqual({
      kind: "ended",
      reason: "revoked",
    });
    expect(await findSessionByToken(t.db, second.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) })).toMatchObject({ kind: "active" });
  });

  it("ends a session after 8 idle hours, while each request (at most one write a minute) extends it", async () => {
    const opened = await open(t, await link(), { now: T0 });
    if (opened.kind !== "opened") throw new Error(opened.kind);
    const find = (at: Date) => findSessionByToken(t.db, opened.sessionToken, { lifetimes: LIFETIMES, now: at });
    expect(await find(minutes(7 * 60))).toMatchObject({ kind: "active" });
    // Used at 7 h, so still active at 14 h, and idle at 15 h + 1 min.
    expect(await find(minutes(14 * 60))).toMatchObject({ kind: "active" });
    expect(await find(minutes(22 * 60 + 1))).toEqual({ kind: "ended", reason: "idle" });
    const row = await t.db.portalSession.findUniqueOrThrow({ where: { id: opened.session.id } });
    expect(row.lastSeenAt).toEqual(minutes(14 * 60));
  });

  it("ends a session at its absolute limit however active it is", async () => {
    const lifetimes = { idleMs: 60 * 60_000, absoluteMs: 3 * 60 * 60_000 };
    const opened = await open(t, await link(), { now: T0, lifetimes });
    if (opened.kind !== "opened") throw new Error(opened.kind);
    for (const m of [50, 100, 150, 179]) {
      expect(await findSessionByToken(t.db, opened.sessionToken, { lifetimes, now: minutes(m) }), `${m} min`).toMatchObject({ kind: "active" });
    }
    expect(await findSessionByToken(t.db, opened.sessionToken, { lifetimes, now: minutes(180) })).toEqual({ kind: "ended", reason: "expired" });
  });

  it("revokeAccountSessions ends every open session of the account and only that account, and audits it", async () => {
    const account = `revoke-${provider}`;
    const a = await open(t, await link({ actonAccountId: account }));
    const b = await open(t, await link({ actonAccountId: account }));
    const other = await open(t, await link());
    if (a.kind !== "opened" || b.kind !== "opened" || other.kind !== "opened") throw new Error("not opened");
    const count = await revokeAccountSessions(a.session.accountId, { db: t.db, actor: { type: "support", id: "support-1" }, reason: "support" });
    expect(count).toBe(2);
    for (const s of [a, b]) {
      expect(await findSessionByToken(t.db, s.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) })).toEqual({ kind: "ended", reason: "revoked" });
    }
    expect(await findSessionByToken(t.db, other.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) })).toMatchObject({ kind: "active" });
    // A revoked session's link cannot bring it back in the same browser either.
    const token = await link({ actonAccountId: account });
    const c = await open(t, token);
    if (c.kind !== "opened") throw new Error(c.kind);
    await revokeAccountSessions(c.session.accountId, { db: t.db });
    expect(await open(t, token, { cookieToken: c.sessionToken })).toMatchObject({ kind: "refused", error: { code: "link_replayed" } });
    expect(await t.db.auditEvent.count({ where: { action: "session.revoked", accountId: a.session.accountId } })).toBe(2);
  });

  it("keeps a hand-off session's link and steps, and only points a session at its own account's connections", async () => {
    const opened = await open(t, await link());
    if (opened.kind !== "opened") throw new Error(opened.kind);
    const { token, session } = await createPortalSession(t.db, {
      accountId: opened.session.accountId,
      connectionId: opened.session.connectionId,
      intent: "handoff",
      handoff: { linkId: "handoff-1", steps: ["applicationUser"] },
      lifetimes: LIFETIMES,
      now: minutes(1),
    });
    expect(session.handoff).toEqual({ linkId: "handoff-1", steps: ["applicationUser"] });
    expect((await findSessionByToken(t.db, token, { lifetimes: LIFETIMES, now: minutes(2) })).kind).toBe("active");
    const foreign = await open(t, await link());
    if (foreign.kind !== "opened") throw new Error(foreign.kind);
    expect(await setSessionConnection(t.db, session, foreign.session.connectionId!)).toBe(false);
    expect(await setSessionConnection(t.db, session, opened.session.connectionId!)).toBe(true);
  });

  it("redeems a pending sign-in's state once, and never a wrong state", async () => {
    const opened = await open(t, await link());
    if (opened.kind !== "opened") throw new Error(opened.kind);
    await recordPendingSignIn(t.db, opened.session.id, { stateHash: hashToken("state-1"), sealed: "sealed-blob", now: minutes(2) });
    expect(await takePendingSignIn(t.db, opened.session.id, hashToken("state-2"))).toBeNull();
    expect(await takePendingSignIn(t.db, opened.session.id, hashToken("state-1"))).toEqual({ sealed: "sealed-blob", startedAt: minutes(2) });
    expect(await takePendingSignIn(t.db, opened.session.id, hashToken("state-1"))).toBeNull();
  });

  it("rotates an open session's token: the old token stops working at once, the new one finds the same session", async () => {
    const opened = await open(t, await link());
    if (opened.kind !== "opened") throw new Error(opened.kind);
    const rotated = await rotateSessionToken(t.db, opened.session.id);
    if (!rotated) throw new Error("not rotated");
    expect(rotated.token).not.toBe(opened.sessionToken);
    expect(rotated.expiresAt).toEqual(opened.expiresAt);
    expect(await findSessionByToken(t.db, opened.sessionToken, { lifetimes: LIFETIMES, now: minutes(2) })).toEqual({
      kind: "ended",
      reason: "unknown",
    });
    expect(await findSessionByToken(t.db, rotated.token, { lifetimes: LIFETIMES, now: minutes(2) })).toMatchObject({
      kind: "active",
      session: { id: opened.session.id },
    });
    // A revoked session is not revived with a fresh token.
    await revokePortalSession(t.db, opened.session.id, "signed out", minutes(3));
    expect(await rotateSessionToken(t.db, opened.session.id)).toBeNull();
    expect((await findSessionByToken(t.db, rotated.token, { lifetimes: LIFETIMES, now: minutes(4) })).kind).toBe("ended");
  });
});
