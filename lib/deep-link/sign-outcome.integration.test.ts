import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { createConnection } from "../domain/connection/create-connection";
import { createPortalSession } from "../sessions/portal-sessions";
import { DEFAULT_SESSION_LIFETIMES } from "../sessions/session-view";
import { useTestDatabase } from "@/test/support/test-databases";
import { OUTCOME_PARAM, verifyOutcomeToken } from "./outcome-token";
import { getReturnToActOnUrl } from "./sign-outcome";

const KEYS = [
  { kid: "2026-12", secret: "outcome-test-secret-that-is-long-enough-0001" },
  { kid: "2026-06", secret: "outcome-test-older-secret-long-enough-00002" },
];
const PORTAL = "https://portal.example.com";
const CONFIG = { keys: KEYS, portalBaseUrl: PORTAL, returnOrigins: ["https://app.act-on.com"] };
const RETURN = "https://app.act-on.com/settings/connectors/crm?tab=dynamics#top";
const NOW = new Date("2026-12-02T03:00:00Z");

describe("Return to Act-On: the signed outcome", () => {
  const t = useTestDatabase("sqlite");

  async function sessionFor(returnTo: string | null = RETURN, actonAccountId = `acme-${Math.random().toString(36).slice(2)}`) {
    const account = await ensureAccount(t.db, { actonAccountId, name: "Acme" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    await t.db.connection.update({ where: { id: connection.id }, data: { status: "active" } });
    const { session } = await createPortalSession(t.db, {
      accountId: account.id,
      connectionId: connection.id,
      intent: "connect",
      returnTo,
      lifetimes: DEFAULT_SESSION_LIFETIMES,
    });
    return session;
  }

  it("appends a JWS Act-On verifies with the shared key: connection, status, account; aud = return origin, iss = portal", async () => {
    const session = await sessionFor();
    const result = await getReturnToActOnUrl(session, { db: t.db, config: CONFIG, now: NOW });
    if (!result.ok) throw new Error(result.error.userMessage);
    const url = new URL(result.value);
    expect(`${url.origin}${url.pathname}`).toBe("https://app.act-on.com/settings/connectors/crm");
    expect(url.searchParams.get("tab")).toBe("dynamics");
    expect(url.hash).toBe("#top");
    const token = url.searchParams.get(OUTCOME_PARAM)!;
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", kid: "2026-12", typ: "JWT" });
    // Act-On may hold only the older key during a rotation: kid picks the right one.
    const claims = await verifyOutcomeToken(token, {
      keys: [...KEYS].reverse(),
      portalBaseUrl: PORTAL,
      audience: "https://app.act-on.com",
      now: NOW,
    });
    expect(claims).toMatchObject({
      iss: PORTAL,
      aud: "https://app.act-on.com",
      account_id: session.actonAccountId,
      connection_id: session.connectionId,
      status: "active",
    });
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.jti.length).toBeGreaterThanOrEqual(16);
  });

  it("an outcome is refused after 5 minutes, by another audience, and with another key", async () => {
    const session = await sessionFor();
    const result = await getReturnToActOnUrl(session, { db: t.db, config: CONFIG, now: NOW });
    if (!result.ok) throw new Error(result.error.userMessage);
    const token = new URL(result.value).searchParams.get(OUTCOME_PARAM)!;
    const verify = (o: Partial<Parameters<typeof verifyOutcomeToken>[1]>) =>
      verifyOutcomeToken(token, { keys: KEYS, portalBaseUrl: PORTAL, audience: "https://app.act-on.com", now: NOW, ...o });
    await expect(verify({ now: new Date(NOW.getTime() + 6 * 60_000) })).rejects.toThrow(/exp/);
    await expect(verify({ audience: "https://evil.example" })).rejects.toThrow(/aud/);
    await expect(verify({ keys: [{ kid: "2026-12", secret: "x".repeat(40) }] })).rejects.toThrow(/signature/);
  });

  it("reports the connection's current status, and never another account's connection", async () => {
    const session = await sessionFor();
    await t.db.connection.update({ where: { id: session.connectionId! }, data: { status: "failed" } });
    const failed = await getReturnToActOnUrl(session, { db: t.db, config: CONFIG, now: NOW });
    if (!failed.ok) throw new Error(failed.error.userMessage);
    const claims = await verifyOutcomeToken(new URL(failed.value).searchParams.get(OUTCOME_PARAM)!, {
      keys: KEYS,
      portalBaseUrl: PORTAL,
      audience: "https://app.act-on.com",
      now: NOW,
    });
    expect(claims.status).toBe("failed");
    const other = await sessionFor();
    expect(await getReturnToActOnUrl({ ...session, connectionId: other.connectionId }, { db: t.db, config: CONFIG })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });

  it("refuses without a return URL, or when its origin is no longer allowed", async () => {
    expect(await getReturnToActOnUrl(await sessionFor(null), { db: t.db, config: CONFIG })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(
      await getReturnToActOnUrl(await sessionFor(), { db: t.db, config: { ...CONFIG, returnOrigins: ["https://new.act-on.com"] } }),
    ).toMatchObject({
      ok: false,
      error: { code: "link_return_not_allowed" },
    });
  });
});
