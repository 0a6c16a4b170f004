/**
 * The support console's reconnect link is scoped to the connection it was minted for: the session it opens is bound to
 * that connection even when the account holds a newer one, and a portal-signed link naming a connection of another
 * account is refused, writing nothing but its audit event.
 */
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { signLaunchToken } from "../deep-link/launch-link";
import { openLaunchLink } from "../deep-link/open-launch-link";
import { useTestDatabase } from "@/test/support/test-databases";
import { mintReconnectLink } from "./mint-reconnect-link";

const KEYS = [{ kid: "k1", secret: "scoped-link-test-secret-0123456789abcdefghij" }];
const PORTAL = "https://portal.example.com";
const DEEP_LINKS = { keys: KEYS, portalBaseUrl: PORTAL, returnOrigins: ["https://app.act-on.com"] };
const LIFETIMES = { idleMs: 8 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 };
const SUPPORT = { type: "support" as const, id: "actoncorp:support-admin" };
const tokenOf = (url: string) => new URL(url).searchParams.get("t")!;

describe("a support reconnect link is scoped to its connection", () => {
  const t = useTestDatabase("sqlite");

  it("opens a session bound to the minted-for connection, not the account's newest one", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: "acct-scoped", name: "Contoso" });
    const older = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "failed" } });
    await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft", createdAt: new Date(Date.now() + 1_000) } });
    const minted = await mintReconnectLink(t.db, { connectionId: older.id, userEmail: "jane@contoso.example", actor: SUPPORT, config: DEEP_LINKS });
    if (!minted.ok) throw new Error(minted.error.userMessage);
    const opened = await openLaunchLink(t.db, { token: tokenOf(minted.value.url), config: DEEP_LINKS, lifetimes: LIFETIMES });
    expect(opened).toMatchObject({ kind: "opened", session: { connectionId: older.id, intent: "reconnect" } });
  });

  it("refuses a link that names another account's connection, opening no session", async () => {
    const mine = await ensureAccount(t.db, { actonAccountId: "acct-mine", name: "Contoso" });
    const theirs = await ensureAccount(t.db, { actonAccountId: "acct-theirs", name: "Fabrikam" });
    const foreign = await t.db.connection.create({ data: { accountId: theirs.id, authMode: "cloud", status: "active" } });
    const token = await signLaunchToken({
      keys: KEYS,
      audience: PORTAL,
      actonAccountId: "acct-mine",
      accountName: "Contoso",
      userEmail: "jane@contoso.example",
      intent: "reconnect",
      returnTo: "https://app.act-on.com/",
      connectionId: foreign.id,
    });
    const sessions = await t.db.portalSession.count();
    expect(await openLaunchLink(t.db, { token, config: DEEP_LINKS, lifetimes: LIFETIMES })).toMatchObject({
      kind: "refused",
      error: { code: "link_malformed" },
    });
    expect(await t.db.portalSession.count()).toBe(sessions);
    expect(await t.db.connection.count({ where: { accountId: mine.id } })).toBe(0);
  });
});
