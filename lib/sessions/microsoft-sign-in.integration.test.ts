/**
 * Microsoft sign-in for a portal session, with real MSAL against the sandbox's real sign-in and consent pages:
 * the state and nonce are bound to the session and checked, the identity recorded, the token cache stored encrypted
 * for the connection; cancel, blocked consent, a foreign or replayed state, a changed nonce, a slow sign-in and
 * another tenant are each refused with their outcome.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { completeSignIn as driveSignInPages, FetchBrowser } from "@/emulator/testing/fetch-browser";
import { ensureAccount } from "../domain/account/ensure-account";
import { createConnection } from "../domain/connection/create-connection";
import { getAdminToken } from "../microsoft/admin-session";
import { CONTOSO_ADMIN, CONTOSO_USER, SANDBOX_PASSWORD, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { USERS } from "@/emulator/scenarios/ids";
import { decodeJwt } from "@/emulator/testing/raw-oauth";
import { loadAdminSession } from "../domain/session/admin-sign-in";
import { useTestDatabase } from "@/test/support/test-databases";
import { beginMicrosoftSignIn, completeMicrosoftSignIn, findSignInOrganization, signOutPortalSession, type SignInContext } from "./microsoft-sign-in";
import { createPortalSession, findSessionByToken } from "./portal-sessions";
import { DEFAULT_SESSION_LIFETIMES, type PortalSessionView } from "./session-view";

const fx = useMicrosoftSandbox();
const t = useTestDatabase("sqlite");
const KEYS = [{ id: "k1", key: randomBytes(32) }];
const REDIRECT = "http://localhost:3641/auth/callback";

function ctx(now?: Date): SignInContext {
  return { db: t.db, keys: KEYS, identity: fx.config, redirectUri: REDIRECT, now };
}

async function newSession(tenantId: string | null = null): Promise<{ session: PortalSessionView; token: string }> {
  const account = await ensureAccount(t.db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso Ltd" });
  const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud", tenantId });
  return createPortalSession(t.db, {
    accountId: account.id,
    connectionId: connection.id,
    intent: "connect",
    actonUserEmail: "jane@contoso.example",
    lifetimes: DEFAULT_SESSION_LIFETIMES,
  });
}

/** Opens Microsoft's sign-in in a fresh browser, signs in, handles consent, and returns the redirect's parameters. */
async function signInAtMicrosoft(url: string, username: string, consent: "accept" | "accept-for-organization" | "cancel") {
  const browser = new FetchBrowser(fx.origin);
  let step = await driveSignInPages(browser, await browser.go(url), { username, password: SANDBOX_PASSWORD, consent });
  if (step.kind === "page" && step.text.includes("Need admin approval")) {
    step = await browser.submit(step, {}, "Return to the application without granting consent");
  }
  if (step.kind !== "back-to-app") throw new Error(`expected the redirect back, got: ${step.text.slice(0, 300)}`);
  return step.params;
}

describe("Microsoft sign-in bound to the portal session", () => {
  it("asks with PKCE, a session-bound state and nonce, select_account and the organizations authority; stores no plain secret", async () => {
    const { session } = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const u = new URL(url);
    expect(u.pathname).toBe("/organizations/oauth2/v2.0/authorize");
    expect(u.searchParams.get("prompt")).toBe("select_account");
    expect(u.searchParams.get("code_challenge_method")).toBe("S256");
    const state = u.searchParams.get("state")!;
    const nonce = u.searchParams.get("nonce")!;
    expect(state.length).toBeGreaterThanOrEqual(43);
    expect(nonce.length).toBeGreaterThanOrEqual(43);
    const row = await t.db.portalSession.findUniqueOrThrow({ where: { id: session.id } });
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(state);
    expect(stored).not.toContain(nonce);
    expect(row.signInSealed).toBeTruthy();
  });

  it("completes the sign-in: records tid/oid/username, stores the token cache for the connection, audits the admin", async () => {
    const { session, token } = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const back = await signInAtMicrosoft(url, CONTOSO_ADMIN, "accept-for-organization");
    const result = await completeMicrosoftSignIn(ctx(), session, back);
    if (!result.ok) throw new Error(`sign-in refused: ${result.outcome} ${result.detail}`);
    expect(result.identity).toMatchObject({ tenantId: TENANTS.contoso, username: CONTOSO_ADMIN, objectId: expect.any(String) });

    // The session got a new token at the sign-in: the one it had before (perhaps planted, perhaps seen) stops working.
    expect(result.cookie.token).not.toBe(token);
    expect(await findSessionByToken(t.db, token, { lifetimes: DEFAULT_SESSION_LIFETIMES })).toEqual({ kind: "ended", reason: "unknown" });
    const found = await findSessionByToken(t.db, result.cookie.token, { lifetimes: DEFAULT_SESSION_LIFETIMES });
    expect(found).toMatchObject({ kind: "active", session: { id: session.id, microsoft: result.identity } });
    const row = await t.db.portalSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(result.cookie.expiresAt).toEqual(row.absoluteExpiresAt);
    const admin = await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config });
    expect(admin?.tenantId).toBe(TENANTS.contoso);
    expect(await getAdminToken(admin!, "graph", { config: fx.config })).toMatch(/^eyJ/);
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "session.signed_in", connectionId: session.connectionId } });
    expect(audit.actorId).toBe(`${TENANTS.contoso}:${result.identity.objectId}`);

    // The same redirect again (a reload of the callback, or a stolen URL) finds no pending sign-in.
    expect(await completeMicrosoftSignIn(ctx(), session, back)).toMatchObject({ ok: false, outcome: "mismatch" });
  });

  it("a sign-in started from a path's page returns to that page, on success and on cancel; none without it", async () => {
    await fx.control.reset({ state: buildDefaultScenario() }); // Contoso has not consented to the portal yet
    const { session } = await newSession();
    const cancelled = await beginMicrosoftSignIn(ctx(), session, { then: "migrate" });
    expect(await completeMicrosoftSignIn(ctx(), session, await signInAtMicrosoft(cancelled.url, CONTOSO_ADMIN, "cancel"))).toMatchObject({
      ok: false,
      outcome: "cancelled",
      then: "migrate",
    });
    const started = await beginMicrosoftSignIn(ctx(), session, { then: "legacy" });
    const ok = await completeMicrosoftSignIn(ctx(), session, await signInAtMicrosoft(started.url, CONTOSO_ADMIN, "accept-for-organization"));
    expect(ok).toMatchObject({ ok: true, then: "legacy" });
    const plain = await beginMicrosoftSignIn(ctx(), session);
    const result = await completeMicrosoftSignIn(ctx(), session, await signInAtMicrosoft(plain.url, CONTOSO_ADMIN, "accept"));
    expect(result.ok && result.then).toBeUndefined();
  });

  it("refuses a state this session did not start, without cancelling the sign-in it did start", async () => {
    const { session } = await newSession();
    const other = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const foreign = await beginMicrosoftSignIn(ctx(), other.session);
    const back = await signInAtMicrosoft(url, CONTOSO_ADMIN, "accept-for-organization");
    // The other session's browser is sent this session's redirect: its state is not the one it started.
    expect(await completeMicrosoftSignIn(ctx(), other.session, back)).toMatchObject({ ok: false, outcome: "mismatch" });
    expect(await completeMicrosoftSignIn(ctx(), session, { ...back, state: "forged-state" })).toMatchObject({ ok: false, outcome: "mismatch" });
    expect(await completeMicrosoftSignIn(ctx(), session, back)).toMatchObject({ ok: true });
    expect(new URL(foreign.url).searchParams.get("state")).not.toBe(back.state);
  });

  it("refuses an id token whose nonce is not the one bound to the session", async () => {
    const { session } = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const swapped = new URL(url);
    swapped.searchParams.set("nonce", "a-nonce-an-attacker-chose-for-the-victim");
    const back = await signInAtMicrosoft(swapped.toString(), CONTOSO_ADMIN, "accept-for-organization");
    expect(await completeMicrosoftSignIn(ctx(), session, back)).toMatchObject({ ok: false, outcome: "mismatch" });
    const row = await t.db.portalSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(row.msObjectId).toBeNull();
    expect(await t.db.secret.count({ where: { connectionId: session.connectionId!, kind: "adminTokenCache" } })).toBe(0);
  });

  it("refuses a sign-in that comes back after 15 minutes", async () => {
    const { session } = await newSession();
    const started = new Date(Date.now() - 16 * 60_000);
    const { url } = await beginMicrosoftSignIn(ctx(started), session);
    const back = await signInAtMicrosoft(url, CONTOSO_ADMIN, "accept-for-organization");
    expect(await completeMicrosoftSignIn(ctx(), session, back)).toMatchObject({ ok: false, outcome: "expired" });
  });

  it("signs in through the connection's tenant once known: Microsoft itself refuses an account of another tenant there", async () => {
    const { session } = await newSession(TENANTS.fabrikam);
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    expect(new URL(url).pathname).toBe(`/${TENANTS.fabrikam}/oauth2/v2.0/authorize`);
    const browser = new FetchBrowser(fx.origin);
    const step = await driveSignInPages(browser, await browser.go(url), { username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD });
    expect(step.kind === "page" && step.text).toMatch(/AADSTS50020/);
    expect(await t.db.secret.count({ where: { connectionId: session.connectionId!, kind: "adminTokenCache" } })).toBe(0);
  });

  it("refuses an admin of another tenant than the connection's who named their own organization, storing nothing", async () => {
    const { session } = await newSession(TENANTS.contoso);
    const { url } = await beginMicrosoftSignIn(ctx(), session, { tenantId: TENANTS.fabrikam });
    const back = await signInAtMicrosoft(url, "admin@fabrikam.onmicrosoft.com", "accept-for-organization");
    expect(await completeMicrosoftSignIn(ctx(), session, back)).toMatchObject({ ok: false, outcome: "wrong_tenant" });
    expect(await t.db.secret.count({ where: { connectionId: session.connectionId!, kind: "adminTokenCache" } })).toBe(0);
  });

  it("lets a guest admin (admin@fabrikam, Global Administrator in Contoso) reconnect Contoso: Contoso's tid, the guest's object, tokens from Contoso", async () => {
    const { session } = await newSession(TENANTS.contoso);
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    expect(new URL(url).pathname).toBe(`/${TENANTS.contoso}/oauth2/v2.0/authorize`);
    const result = await completeMicrosoftSignIn(
      ctx(),
      session,
      await signInAtMicrosoft(url, "admin@fabrikam.onmicrosoft.com", "accept-for-organization"),
    );
    if (!result.ok) throw new Error(`sign-in refused: ${result.outcome} ${result.detail}`);
    expect(result.identity).toMatchObject({
      tenantId: TENANTS.contoso,
      objectId: USERS.fabrikamAdminGuestInContoso,
      username: "admin@fabrikam.onmicrosoft.com",
    });
    const stored = await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config });
    expect(stored?.tenantId).toBe(TENANTS.contoso);
    const claims = decodeJwt(await getAdminToken(stored!, "graph"));
    expect(claims).toMatchObject({ tid: TENANTS.contoso, oid: USERS.fabrikamAdminGuestInContoso });
  });

  it("'Sign in to another organization' finds the organization's tenant by domain and signs the guest in there; unknown ones are named", async () => {
    expect(await findSignInOrganization(ctx(), "contoso.onmicrosoft.com")).toEqual({ ok: true, value: TENANTS.contoso });
    expect(await findSignInOrganization(ctx(), TENANTS.contoso)).toEqual({ ok: true, value: TENANTS.contoso });
    const unknown = await findSignInOrganization(ctx(), "nosuch.onmicrosoft.com");
    expect(unknown.ok ? "found" : [unknown.error.code, unknown.error.userMessage]).toEqual([
      "not_found",
      expect.stringMatching(/nosuch\.onmicrosoft\.com/),
    ]);

    // Through `organizations` the guest is signed in at home (Fabrikam); naming Contoso signs them in to Contoso.
    const home = await newSession();
    const atHome = await completeMicrosoftSignIn(
      ctx(),
      home.session,
      await signInAtMicrosoft((await beginMicrosoftSignIn(ctx(), home.session)).url, "admin@fabrikam.onmicrosoft.com", "accept-for-organization"),
    );
    expect(atHome.ok && atHome.identity.tenantId).toBe(TENANTS.fabrikam);
    const named = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), named.session, { tenantId: TENANTS.contoso });
    const inContoso = await completeMicrosoftSignIn(
      ctx(),
      named.session,
      await signInAtMicrosoft(url, "admin@fabrikam.onmicrosoft.com", "accept-for-organization"),
    );
    expect(inContoso.ok && inContoso.identity).toMatchObject({ tenantId: TENANTS.contoso, objectId: USERS.fabrikamAdminGuestInContoso });
  });

  it("an admin who cancels on Microsoft's consent page comes back 'cancelled'", async () => {
    await fx.control.reset({ state: buildDefaultScenario() }); // Contoso has not consented to the portal yet
    const { session } = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const back = await signInAtMicrosoft(url, CONTOSO_ADMIN, "cancel");
    expect(back.error).toBe("access_denied");
    const result = await completeMicrosoftSignIn(ctx(), session, back);
    expect(result).toMatchObject({ ok: false, outcome: "cancelled", detail: "access_denied AADSTS65004" });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "session.sign_in_failed", connectionId: session.connectionId } });
    expect(audit.detail).toMatchObject({ outcome: "cancelled" });
  });

  it("a user whose tenant needs an administrator's approval comes back 'consent_required'", async () => {
    await fx.control.reset({ state: buildDefaultScenario() });
    const { session } = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const back = await signInAtMicrosoft(url, CONTOSO_USER, "accept");
    expect(await completeMicrosoftSignIn(ctx(), session, back)).toMatchObject({ ok: false, outcome: "consent_required" });
  });

  it("sign-out ends the portal session and forgets the connection's stored Microsoft sign-in", async () => {
    const { session } = await newSession();
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const result = await completeMicrosoftSignIn(ctx(), session, await signInAtMicrosoft(url, CONTOSO_ADMIN, "accept-for-organization"));
    if (!result.ok) throw new Error(result.outcome);
    const token = result.cookie.token;
    const signedIn = await findSessionByToken(t.db, token, { lifetimes: DEFAULT_SESSION_LIFETIMES });
    if (signedIn.kind !== "active") throw new Error("session not active");
    await signOutPortalSession(ctx(), signedIn.session);
    expect(await findSessionByToken(t.db, token, { lifetimes: DEFAULT_SESSION_LIFETIMES })).toEqual({ kind: "ended", reason: "revoked" });
    expect(await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config })).toBeNull();
  });

  /** A second portal session on the same account and connection (a colleague's browser, or another tab's link). */
  async function secondSession(first: PortalSessionView): Promise<{ session: PortalSessionView; token: string }> {
    return createPortalSession(t.db, {
      accountId: first.accountId,
      connectionId: first.connectionId,
      intent: "connect",
      actonUserEmail: "sam@contoso.example",
      lifetimes: DEFAULT_SESSION_LIFETIMES,
    });
  }

  /** A run of the session's connection in Contoso that admin@contoso planned, at `status`. */
  async function contosoRun(session: PortalSessionView, status: "awaitingApproval" | "running") {
    await t.db.provisioningRun.create({
      data: {
        connectionId: session.connectionId!,
        kind: "connect",
        status,
        tenantId: TENANTS.contoso,
        options: { mode: "cloud", requestedBy: CONTOSO_ADMIN },
      },
    });
  }

  async function signedIn(session: PortalSessionView, username: string) {
    const { url } = await beginMicrosoftSignIn(ctx(), session);
    const result = await completeMicrosoftSignIn(ctx(), session, await signInAtMicrosoft(url, username, "accept-for-organization"));
    if (!result.ok) throw new Error(`sign-in refused: ${result.outcome} ${result.detail}`);
    return result;
  }

  it("while a plan made in Contoso is open, a Fabrikam admin's sign-in is refused as another tenant and the Contoso admin's stays stored", async () => {
    const { session } = await newSession();
    await signedIn(session, CONTOSO_ADMIN);
    // The connection has no tenant yet: the plan the Contoso admin prepared names it.
    await contosoRun(session, "awaitingApproval");
    const other = await secondSession(session);
    // Fabrikam's admin names their own organization (through the plan's tenant Microsoft would sign them in as its guest).
    const { url } = await beginMicrosoftSignIn(ctx(), other.session, { tenantId: TENANTS.fabrikam });
    const back = await signInAtMicrosoft(url, "admin@fabrikam.onmicrosoft.com", "accept-for-organization");
    expect(await completeMicrosoftSignIn(ctx(), other.session, back)).toMatchObject({ ok: false, outcome: "wrong_tenant" });
    const stored = await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config });
    expect(stored?.username).toBe(CONTOSO_ADMIN);
  });

  it("a run under way keeps its approver's sign-in: a colleague's sign-in does not replace it mid-run", async () => {
    const { session } = await newSession();
    await signedIn(session, CONTOSO_ADMIN);
    await contosoRun(session, "running");
    const other = await secondSession(session);
    const { url } = await beginMicrosoftSignIn(ctx(), other.session);
    const back = await signInAtMicrosoft(url, CONTOSO_USER, "accept");
    expect(await completeMicrosoftSignIn(ctx(), other.session, back)).toMatchObject({ ok: false, outcome: "run_in_progress" });
    const stored = await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config });
    expect(stored?.username).toBe(CONTOSO_ADMIN);
  });

  it("signing out forgets only the person's own stored sign-in, never the one a colleague stored since", async () => {
    const { session } = await newSession();
    // The sign-in rotates the session's cookie: the first admin's browser holds the new token.
    const { cookie } = await signedIn(session, CONTOSO_ADMIN);
    const colleague = await secondSession(session);
    await signedIn(colleague.session, CONTOSO_USER);
    const first = await findSessionByToken(t.db, cookie.token, { lifetimes: DEFAULT_SESSION_LIFETIMES });
    if (first.kind !== "active") throw new Error("session not active");
    await signOutPortalSession(ctx(), first.session);
    const stored = await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config });
    expect(stored?.username).toBe(CONTOSO_USER);
  });

  it("a colleague's hand-off whose link was withdrawn keeps no sign-in: refused, and the first admin's stays stored", async () => {
    const { session } = await newSession();
    await signedIn(session, CONTOSO_ADMIN);
    const link = await t.db.handoffLink.create({
      data: {
        accountId: session.accountId,
        connectionId: session.connectionId!,
        steps: ["adminConsent"],
        createdBy: "test",
        expiresAt: new Date(Date.now() + 3_600_000),
        revokedAt: new Date(),
      },
    });
    const { session: colleague } = await createPortalSession(t.db, {
      accountId: session.accountId,
      connectionId: session.connectionId,
      intent: "handoff",
      handoff: { linkId: link.id, steps: ["adminConsent"] },
      lifetimes: DEFAULT_SESSION_LIFETIMES,
    });
    const { url } = await beginMicrosoftSignIn(ctx(), colleague);
    const back = await signInAtMicrosoft(url, CONTOSO_USER, "accept");
    expect(await completeMicrosoftSignIn(ctx(), colleague, back)).toMatchObject({ ok: false, outcome: "handoff_ended" });
    const stored = await loadAdminSession(t.db, { connectionId: session.connectionId!, keys: KEYS, config: fx.config });
    expect(stored?.username).toBe(CONTOSO_ADMIN);
  });
});
