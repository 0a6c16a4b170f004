/**
 * Support's "Revoke customer access" leaves no way back in, on SQLite and PostgreSQL: after it, no launch link signed
 * before it opens a session (Act-On's own, /api/v1-minted or console-minted), no hand-off link opens, no stored
 * Microsoft sign-in of any of the account's connections is left, and no plan waits for approval. A link signed after it
 * still works (the customer is not locked out for good). The answer and the audit row say how many of each.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { hasLiveAdminSession, loadAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import { mintLaunchLink } from "../deep-link/mint-launch-link";
import { openLaunchLink } from "../deep-link/open-launch-link";
import { signLaunchToken } from "../deep-link/launch-link";
import { createHandoffLink, type HandoffConfig } from "../handoff/handoff-links";
import { openHandoffSession } from "../handoff/open-handoff-session";
import type { Engine } from "../provisioning/engine";
import { createPortalSession, findSessionByToken } from "../sessions/portal-sessions";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { mintReconnectLink } from "./mint-reconnect-link";
import { revokeCustomerAccess } from "./revoke-customer-access";

vi.setConfig({ testTimeout: 60_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();

const KEYS = [{ kid: "k1", secret: "revocation-test-secret-0123456789abcdefghij" }];
const PORTAL = "https://portal.example.com";
const RETURN = "https://app.act-on.com/settings";
const DEEP_LINKS = { keys: KEYS, portalBaseUrl: PORTAL, returnOrigins: ["https://app.act-on.com"] };
const HANDOFFS: HandoffConfig = { keys: KEYS, portalBaseUrl: PORTAL, ttlMs: 24 * 3_600_000 };
const LIFETIMES = { idleMs: 8 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 };
const SUPPORT = { type: "support" as const, id: "actoncorp:support-admin" };
const ACTON_SERVICE = { kind: "service" as const, objectId: "acton-service", tenantId: "actoncorp", name: null, roles: [] };
const FIRST_ADMIN = { type: "admin" as const, id: "contoso:first-admin" };

const tokenOf = (url: string) => new URL(url).searchParams.get("t")!;

describe.each(providers)("revoking a customer's access on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  /** An account with two connections, and every way in the finding used: links of each kind, a hand-off, sign-ins, a plan. */
  async function customerWithEveryWayIn() {
    const actonAccountId = `acct-${randomBytes(4).toString("hex")}`;
    const account = await ensureAccount(t.db, { actonAccountId, name: "Contoso" });
    const connection = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "actionRequired" } });
    const sibling = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } });
    const admin = await createPortalSession(t.db, { accountId: account.id, connectionId: connection.id, intent: "connect", lifetimes: LIFETIMES });

    // Act-On's servers signed this one; the portal has never seen it.
    const actOnSigned = await signLaunchToken({
      keys: KEYS,
      audience: PORTAL,
      actonAccountId,
      accountName: "Contoso",
      userEmail: "it@contoso.test",
      intent: "connect",
      returnTo: RETURN,
    });
    const apiMinted = await mintLaunchLink(t.db, {
      request: { accountId: actonAccountId, accountName: "Contoso", intent: "connect", userEmail: "it@contoso.test", returnTo: RETURN },
      caller: ACTON_SERVICE,
      config: DEEP_LINKS,
    });
    const consoleMinted = await mintReconnectLink(t.db, {
      connectionId: connection.id,
      userEmail: "it@contoso.test",
      actor: SUPPORT,
      config: DEEP_LINKS,
    });
    if (!apiMinted.ok || !consoleMinted.ok) throw new Error("minting failed");

    const usedHandoff = await createHandoffLink(
      t.db,
      { accountId: account.id, connectionId: connection.id, steps: ["adminConsent"], actor: FIRST_ADMIN },
      HANDOFFS,
    );
    if (!usedHandoff.ok) throw new Error("hand-off failed");
    const colleague = await openHandoffSession(t.db, { token: tokenOf(usedHandoff.value.url), config: HANDOFFS, lifetimes: LIFETIMES });
    if (colleague.kind !== "opened") throw new Error("the colleague's link did not open");
    // Made after the colleague opened theirs, so still open (a new link withdraws only unopened ones).
    const unusedHandoff = await createHandoffLink(
      t.db,
      { accountId: account.id, connectionId: connection.id, steps: ["adminConsent"], actor: FIRST_ADMIN },
      HANDOFFS,
    );
    if (!unusedHandoff.ok) throw new Error("hand-off failed");

    const signedIn = await signInAs(fx, CONTOSO_ADMIN);
    for (const c of [connection, sibling]) await saveAdminSession(t.db, { connectionId: c.id, session: signedIn, keys: TEST_KEYS });
    const plan = await t.db.provisioningRun.create({
      data: { connectionId: connection.id, kind: "connect", status: "awaitingApproval", options: { mode: "cloud", role: "leastPrivilege" } },
    });
    return {
      account,
      connection,
      sibling,
      admin,
      colleague,
      plan,
      launchTokens: { actOnSigned, apiMinted: tokenOf(apiMinted.value.url), consoleMinted: tokenOf(consoleMinted.value.url) },
      unusedHandoff: tokenOf(unusedHandoff.value.url),
    };
  }

  async function revokedCustomer() {
    const w = await customerWithEveryWayIn();
    const revoked = await revokeCustomerAccess(t.db, { connectionId: w.connection.id, reason: "customer asked", actor: SUPPORT }, engine);
    if (!revoked.ok) throw new Error(revoked.error.userMessage);
    return { ...w, revoked: revoked.value };
  }

  it.each(["actOnSigned", "apiMinted", "consoleMinted"] as const)("refuses a %s launch link signed before it, as an expired one", async (kind) => {
    const w = await revokedCustomer();
    const opened = await openLaunchLink(t.db, { token: w.launchTokens[kind], config: DEEP_LINKS, lifetimes: LIFETIMES });
    expect(opened).toMatchObject({ kind: "refused", error: { code: "link_expired" } });
    const refusal = await t.db.auditEvent.findFirst({ where: { action: "deep_link.refused" }, orderBy: { occurredAt: "desc" } });
    expect(refusal?.detail).toMatchObject({ code: "link_expired", actonAccountId: w.account.actonAccountId });
  });

  it("refuses an unused hand-off link, and ends the colleague's session a used one opened", async () => {
    const w = await revokedCustomer();
    expect(await openHandoffSession(t.db, { token: w.unusedHandoff, config: HANDOFFS, lifetimes: LIFETIMES })).toMatchObject({
      kind: "refused",
      code: "handoff_revoked",
    });
    for (const token of [w.admin.token, w.colleague.sessionToken]) {
      expect((await findSessionByToken(t.db, token, { lifetimes: LIFETIMES })).kind).toBe("ended");
    }
  });

  it("forgets the stored Microsoft sign-ins of all the account's connections", async () => {
    const w = await revokedCustomer();
    for (const c of [w.connection, w.sibling]) {
      expect(await hasLiveAdminSession(t.db, c.id)).toBe(false);
      expect(await loadAdminSession(t.db, { connectionId: c.id, keys: TEST_KEYS, config: fx.config })).toBeNull();
    }
  });

  it("cancels the plan waiting for approval through the engine's cancel: audited, the connection back as it stood", async () => {
    const w = await revokedCustomer();
    expect(await t.db.provisioningRun.findUniqueOrThrow({ where: { id: w.plan.id } })).toMatchObject({ status: "cancelled" });
    expect(await t.db.auditEvent.count({ where: { runId: w.plan.id, action: "run.cancelled", actorId: SUPPORT.id } })).toBe(1);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: w.connection.id } })).toMatchObject({ status: "actionRequired" });
  });

  it("answers how many of each it ended, and audits the same counts (never a link)", async () => {
    const w = await revokedCustomer();
    expect(w.revoked).toMatchObject({ sessions: 2, links: 2, handoffLinks: 2, adminSignIns: 2, cancelledRuns: 1 });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { accountId: w.account.id, action: "support.customer_access.revoked" } });
    expect(audit).toMatchObject({ actorId: SUPPORT.id, connectionId: w.connection.id });
    expect(audit.detail).toMatchObject({ sessions: 2, links: 2, handoffLinks: 2, adminSignIns: 2, cancelledRuns: 1, reason: "customer asked" });
    for (const token of [...Object.values(w.launchTokens), w.unusedHandoff]) expect(JSON.stringify(audit)).not.toContain(token);
  });

  it("refuses a link Act-On signed just before it on a clock running ahead (within the allowed difference)", async () => {
    const w = await revokedCustomer();
    const ahead = await signLaunchToken({
      keys: KEYS,
      audience: PORTAL,
      actonAccountId: w.account.actonAccountId,
      accountName: "Contoso",
      userEmail: "it@contoso.test",
      intent: "connect",
      returnTo: RETURN,
      now: new Date(Date.parse(w.revoked.launchLinksValidFrom) + 25_000),
    });
    expect(await openLaunchLink(t.db, { token: ahead, config: DEEP_LINKS, lifetimes: LIFETIMES })).toMatchObject({
      kind: "refused",
      error: { code: "link_expired" },
    });
  });

  it("still lets the customer back in through a link signed after it", async () => {
    const w = await customerWithEveryWayIn();
    const at = new Date(Date.now() - 60_000);
    const revoked = await revokeCustomerAccess(t.db, { connectionId: w.connection.id, reason: "r", actor: SUPPORT, now: at }, engine);
    expect(revoked.ok).toBe(true);
    const fresh = await signLaunchToken({
      keys: KEYS,
      audience: PORTAL,
      actonAccountId: w.account.actonAccountId,
      accountName: "Contoso",
      userEmail: "it@contoso.test",
      intent: "reconnect",
      returnTo: RETURN,
    });
    const opened = await openLaunchLink(t.db, { token: fresh, config: DEEP_LINKS, lifetimes: LIFETIMES });
    expect(opened.kind).toBe("opened");
  });

  it("answers not found for an unknown connection and changes nothing", async () => {
    const before = await t.db.auditEvent.count();
    expect(await revokeCustomerAccess(t.db, { connectionId: "no-such-connection", reason: "r", actor: SUPPORT }, engine)).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await t.db.auditEvent.count()).toBe(before);
  });
});
