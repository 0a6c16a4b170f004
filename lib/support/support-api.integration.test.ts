/**
 * The support console's API, route handlers called in-process with real Entra-shaped tokens signed by the Microsoft
 * sandbox (verified against its published keys), on SQLite and PostgreSQL:
 * - the authorization matrix: every route and action × every kind of caller, each cell asserting the status and that
 *   nothing changed (audit log, sessions, spent link nonces) when refused;
 * - search, filters and keyset pages over the read model; the connection page's timeline, errors and request ids;
 * - Support.Admin actions audited with the support person's identity, and no secret in any answer or audit event.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSandbox, type RunningSandbox } from "@/emulator/core/server";
import { signJwt } from "@/emulator/core/tokens";
import { ACTON_SERVICES, PORTAL_APP, TENANTS, USERS } from "@/emulator/scenarios/ids";
import { providersUnderTest, useTestDatabase, type TestDatabase } from "@/test/support/test-databases";
import { createPortalSession } from "@/lib/sessions/portal-sessions";
import { verifyLaunchLink } from "@/lib/deep-link/launch-link";
import { SESSION_COOKIE } from "@/lib/sessions/session-cookie";

const PORTAL = "http://portal.test";
const DEEP_LINK_SECRET = "support-test:0123456789abcdef0123456789abcdef0123";
const SECRET_MARKER = "Pq8Q~never-show-this-client-secret";

let sandbox: RunningSandbox;
type Routes = {
  list: typeof import("@/app/api/support/connections/route");
  detail: typeof import("@/app/api/support/connections/[id]/route");
  me: typeof import("@/app/api/support/me/route");
  reconnect: typeof import("@/app/api/support/connections/[id]/reconnect-link/route");
  revoke: typeof import("@/app/api/support/connections/[id]/access-revocation/route");
  verify: typeof import("@/app/api/support/connections/[id]/verification/route");
};
let routes: Routes;

beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  sandbox = await startSandbox({ port: 0 });
  vi.stubEnv("MICROSOFT_AUTHORITY_HOST", sandbox.origin);
  vi.stubEnv("ACTON_TENANT_ID", TENANTS.actoncorp);
  vi.stubEnv("PORTAL_CLIENT_ID", PORTAL_APP.appId);
  vi.stubEnv("PORTAL_BASE_URL", PORTAL);
  vi.stubEnv("DEEP_LINK_SECRET", DEEP_LINK_SECRET);
  vi.stubEnv("ACTON_RETURN_ORIGINS", "https://app.act-on.test");
  vi.stubEnv("LOG_LEVEL", "error");
  vi.stubEnv("PORTAL_ENCRYPTION_KEYS", `k1:${Buffer.alloc(32, 7).toString("base64")}`);
  routes = {
    list: await import("@/app/api/support/connections/route"),
    detail: await import("@/app/api/support/connections/[id]/route"),
    me: await import("@/app/api/support/me/route"),
    reconnect: await import("@/app/api/support/connections/[id]/reconnect-link/route"),
    revoke: await import("@/app/api/support/connections/[id]/access-revocation/route"),
    verify: await import("@/app/api/support/connections/[id]/verification/route"),
  };
});
afterAll(async () => {
  vi.unstubAllEnvs();
  delete (globalThis as { portalAccessTokenVerifier?: unknown }).portalAccessTokenVerifier;
  delete (globalThis as { portalProvisioning?: unknown }).portalProvisioning;
  await sandbox?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const v2 = () => ({ iss: `${sandbox.origin}/${TENANTS.actoncorp}/v2.0`, aud: PORTAL_APP.appId, tid: TENANTS.actoncorp, ver: "2.0" });
const person = (oid: string, name: string, roles: string[]) => ({
  ...v2(),
  oid,
  sub: oid,
  name,
  scp: "Support.Access",
  azp: PORTAL_APP.appId, // the console: people's tokens come from it only
  roles,
  iat: now(),
  nbf: now(),
  exp: now() + 600,
});
const service = (roles: string[]) => ({
  ...v2(),
  oid: "svc-1",
  sub: "svc-1",
  idtyp: "app",
  azp: ACTON_SERVICES.connector.appId,
  app_displayname: "Act-On Connector",
  roles,
  iat: now(),
  nbf: now(),
  exp: now() + 600,
});

type Caller = { name: string; headers: () => Promise<Record<string, string>> };
const bearer = (claims: () => Record<string, unknown>) => async () => ({ authorization: `Bearer ${await signJwt(claims())}` });

describe.each(await providersUnderTest())("support API on %s", (provider) => {
  const t: TestDatabase = useTestDatabase(provider);
  let accountA: { id: string };
  let connA: string;
  let connB: string;
  let customerCookie: string;

  beforeAll(async () => {
    (globalThis as { portalDb?: unknown }).portalDb = t.db;
    // This process drives no runs: a verification the console asks for stays due (start-verification's own test
    // proves what the run does), so the read model these tests search stays as seeded.
    delete (globalThis as { portalProvisioning?: unknown }).portalProvisioning;
    (await import("@/lib/provisioning/run-pool")).getPortalProvisioning().pool.close();
    const db = t.db;
    const a = await db.account.create({ data: { actonAccountId: "acme-001", name: "Acme Corp" } });
    const b = await db.account.create({ data: { actonAccountId: "globex-002", name: "Globex" } });
    accountA = a;
    const base = Date.UTC(2026, 10, 1);
    const c1 = await db.connection.create({
      data: {
        accountId: a.id,
        authMode: "cloud",
        status: "failed",
        environmentUrl: "https://acme.crm.dynamics.com",
        environmentName: "Acme Sales",
        tenantId: "71000000-0000-4000-8000-00000000000a",
        tenantDomain: "acme.onmicrosoft.com",
        failingStep: "adminConsent",
        failingErrorCode: "consent_required",
        secretExpiresAt: new Date(Date.now() + 10 * 86_400_000),
        updatedAt: new Date(base + 2000),
      },
    });
    const c2 = await db.connection.create({
      data: {
        accountId: b.id,
        authMode: "legacy",
        status: "active",
        environmentUrl: "https://globex.crm4.dynamics.com",
        tenantId: "71000000-0000-4000-8000-00000000000b",
        tenantDomain: "globex.onmicrosoft.com",
        clientId: "73000000-0000-4000-8000-00000000000b",
        integrationUsername: "crm@globex.onmicrosoft.com",
        lastVerifiedAt: new Date(base),
        updatedAt: new Date(base + 1000),
      },
    });
    connA = c1.id;
    connB = c2.id;
    for (let i = 0; i < 5; i++) {
      await db.connection.create({ data: { accountId: b.id, authMode: "onprem", status: "draft", updatedAt: new Date(base - i * 1000) } });
    }
    const run = await db.provisioningRun.create({
      data: {
        connectionId: connA,
        kind: "connect",
        status: "failed",
        approvedBy: "admin:t:o",
        // A stored plan's "who changed what" (a repair reads it from Dataverse's audit history); a stray value is dropped.
        plan: { whoChanged: ["The application user was disabled by Megan Bowen on 5 Dec 2026, 14:03 UTC.", 42] },
      },
    });
    await db.provisioningStep.create({
      data: { runId: run.id, connectionId: connA, name: "environment", position: 0, status: "succeeded", attempts: 1 },
    });
    await db.provisioningStep.create({
      data: {
        runId: run.id,
        connectionId: connA,
        name: "adminConsent",
        position: 1,
        status: "failed",
        attempts: 3,
        errorCode: "consent_required",
        userMessage: "An administrator needs to approve access for Act-On.",
        errorDetail: "AADSTS65001",
        requestIds: ["req-aaaa-1111", "trace-bbbb-2222"],
      },
    });
    await db.secret.create({
      data: {
        connectionId: connA,
        kind: "clientSecret",
        status: "active",
        keyId: "k",
        iv: "iv",
        ciphertext: SECRET_MARKER,
        authTag: "tag",
        hint: "Pq8",
      },
    });
    const session = await createPortalSession(db, {
      accountId: a.id,
      connectionId: connA,
      intent: "connect",
      lifetimes: { idleMs: 3_600_000, absoluteMs: 8 * 3_600_000 },
    });
    customerCookie = `${SESSION_COOKIE}=${session.token}`;
  });

  const callers: Record<string, Caller> = {
    anonymous: { name: "anonymous", headers: async () => ({}) },
    customerSession: { name: "customer admin session of account A", headers: async () => ({ cookie: customerCookie }) },
    supportRead: { name: "Support.Read", headers: bearer(() => person(USERS.actonSupport, "Act-On Support", ["Support.Read"])) },
    supportAdmin: { name: "Support.Admin", headers: bearer(() => person(USERS.actonSupportAdmin, "Act-On Support Admin", ["Support.Admin"])) },
    noRole: { name: "Act-On staff without a Support role", headers: bearer(() => person("20000000-0000-4000-8000-0000000000ff", "Staff", [])) },
    connectionsRead: { name: "connector service with Connections.Read", headers: bearer(() => service(["Connections.Read"])) },
    credentialsRead: {
      name: "connector service with Connections.Credentials.Read",
      headers: bearer(() => service(["Connections.Read", "Connections.Credentials.Read"])),
    },
    serviceWithSupportRole: { name: "service token claiming Support.Admin", headers: bearer(() => service(["Support.Admin"])) },
    otherTenant: {
      name: "token from another tenant",
      headers: bearer(() => ({
        ...person(USERS.contosoAdmin, "Contoso Admin", ["Support.Admin"]),
        iss: `${sandbox.origin}/${TENANTS.contoso}/v2.0`,
        tid: TENANTS.contoso,
      })),
    },
    expired: {
      name: "expired token",
      headers: bearer(() => ({
        ...person(USERS.actonSupportAdmin, "x", ["Support.Admin"]),
        iat: now() - 7200,
        nbf: now() - 7200,
        exp: now() - 3600,
      })),
    },
    otherAudience: {
      name: "token for another audience",
      headers: bearer(() => ({ ...person(USERS.actonSupportAdmin, "x", ["Support.Admin"]), aud: "https://graph.microsoft.com" })),
    },
    badSignature: {
      name: "token with a bad signature",
      headers: async () => {
        const token = await signJwt(person(USERS.actonSupportAdmin, "x", ["Support.Admin"]));
        const [h, p, s] = token.split(".");
        return { authorization: `Bearer ${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}` };
      },
    },
  };

  type Route = { name: string; call: (headers: Record<string, string>) => Promise<Response>; admin: boolean; okStatus: number };
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const json = (headers: Record<string, string>, body: unknown) => ({
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const allRoutes = (): Route[] => [
    {
      name: "GET /api/support/connections",
      admin: false,
      okStatus: 200,
      call: (h) => routes.list.GET(new Request(`${PORTAL}/api/support/connections`, { headers: h })),
    },
    {
      name: "GET /api/support/connections/{id}",
      admin: false,
      okStatus: 200,
      call: (h) => routes.detail.GET(new Request(`${PORTAL}/api/support/connections/${connA}`, { headers: h }), params(connA)),
    },
    { name: "GET /api/support/me", admin: false, okStatus: 200, call: (h) => routes.me.GET(new Request(`${PORTAL}/api/support/me`, { headers: h })) },
    {
      name: "POST /api/support/connections/{id}/reconnect-link",
      admin: true,
      okStatus: 201,
      call: (h) =>
        routes.reconnect.POST(
          new Request(`${PORTAL}/api/support/connections/${connA}/reconnect-link`, json(h, { userEmail: "admin@acme.test" })),
          params(connA),
        ),
    },
    {
      name: "POST /api/support/connections/{id}/access-revocation",
      admin: true,
      okStatus: 200,
      call: (h) =>
        routes.revoke.POST(
          new Request(`${PORTAL}/api/support/connections/${connB}/access-revocation`, json(h, { reason: "matrix test" })),
          params(connB),
        ),
    },
    {
      name: "POST /api/support/connections/{id}/verification",
      admin: true,
      okStatus: 202,
      call: (h) => routes.verify.POST(new Request(`${PORTAL}/api/support/connections/${connB}/verification`, json(h, {})), params(connB)),
    },
  ];

  const expected: Record<string, (route: Route) => number> = {
    anonymous: () => 401,
    customerSession: () => 401,
    supportRead: (r) => (r.admin ? 403 : r.okStatus),
    supportAdmin: (r) => r.okStatus,
    noRole: () => 403,
    connectionsRead: () => 403,
    credentialsRead: () => 403,
    serviceWithSupportRole: () => 403,
    otherTenant: () => 401,
    expired: () => 401,
    otherAudience: () => 401,
    badSignature: () => 401,
  };

  /** What a call may change; a refusal's own audit rows are asserted apart (api-refusal-audit.ts). */
  async function snapshot() {
    const db = t.db;
    return {
      audit: await db.auditEvent.count({ where: { action: { notIn: ["api.refused", "api.refusals"] } } }),
      revokedSessions: await db.portalSession.count({ where: { revokedAt: { not: null } } }),
      nonces: await db.deepLinkNonce.count(),
      runs: await db.provisioningRun.count(),
    };
  }

  it("answers every route × caller cell with the expected status, and a refused cell changes nothing", async () => {
    const cells: string[] = [];
    for (const route of allRoutes()) {
      for (const [key, caller] of Object.entries(callers)) {
        const before = await snapshot();
        const refusedBefore = await t.db.auditEvent.count({ where: { action: "api.refused" } });
        const response = await route.call(await caller.headers());
        const want = expected[key](route);
        cells.push(`${route.name} × ${caller.name}: ${response.status}${response.status === want ? "" : ` (expected ${want})`}`);
        if (response.status >= 400) {
          expect(response.headers.get("content-type")).toBe("application/problem+json");
          expect(await snapshot()).toEqual(before);
          // A caller whose token proves who they are gets its own row for the refusal; anonymous refusals are only counted.
          expect(await t.db.auditEvent.count({ where: { action: "api.refused" } })).toBe(refusedBefore + (response.status === 403 ? 1 : 0));
        }
        expect(response.headers.get("cache-control")).toBe("no-store");
      }
    }
    expect(cells.filter((c) => c.includes("expected"))).toEqual([]);
    expect(cells).toHaveLength(allRoutes().length * Object.keys(callers).length);
  }, 180_000); // 60 cells, each signing a token and reading the database three times: slow on a loaded 2-core machine

  it("searches by account id, name, tenant id, domain and environment URL, and filters", async () => {
    const headers = await callers.supportRead.headers();
    const list = async (query: string) => {
      const r = await routes.list.GET(new Request(`${PORTAL}/api/support/connections?${query}`, { headers }));
      expect(r.status).toBe(200);
      return ((await r.json()) as { rows: { id: string }[]; nextCursor: string | null }).rows.map((row) => row.id);
    };
    expect(await list("q=acme-001")).toEqual([connA]);
    expect(await list("q=ACME%20c")).toEqual([connA]);
    expect(await list("q=71000000-0000-4000-8000-00000000000B")).toEqual([connB]);
    expect(await list("q=Globex.onmicrosoft")).toEqual([connB]);
    expect(await list(`q=${encodeURIComponent("https://globex.crm4.dynamics.com/")}`)).toEqual([]); // a trailing slash is not in the stored URL
    expect(await list("q=globex.crm4")).toEqual([connB]);
    expect(await list("q=nobody-matches")).toEqual([]);
    expect(await list("status=failed")).toEqual([connA]);
    expect(await list("authMode=legacy")).toEqual([connB]);
    expect(await list("failingStep=adminConsent")).toEqual([connA]);
    expect(await list("secretExpiresWithinDays=30")).toEqual([connA]);
    expect(await list("secretExpiresWithinDays=5")).toEqual([]);
  });

  it("walks every connection once with keyset pages, newest first", async () => {
    const headers = await callers.supportRead.headers();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Response = await routes.list.GET(
        new Request(`${PORTAL}/api/support/connections?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { headers }),
      );
      const page = (await r.json()) as { rows: { id: string; updatedAt: string }[]; nextCursor: string | null };
      seen.push(...page.rows.map((row) => row.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen.slice(0, 2)).toEqual([connA, connB]);
  });

  it("refuses bad input with the field at fault and a tampered cursor", async () => {
    const headers = await callers.supportRead.headers();
    const bad = await routes.list.GET(
      new Request(`${PORTAL}/api/support/connections?status=broken&health=sick&healthCause=gremlins&limit=1000`, { headers }),
    );
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { code: string; errors: { field: string }[] };
    expect(problem.code).toBe("invalid_input");
    expect(problem.errors.map((e) => e.field)).toEqual(["status", "health", "healthCause", "limit"]);
    const cursor = await routes.list.GET(new Request(`${PORTAL}/api/support/connections?cursor=bm90LWEtY3Vyc29y`, { headers }));
    expect(cursor.status).toBe(400);
    const unknown = await routes.detail.GET(new Request(`${PORTAL}/api/support/connections/nope`, { headers }), params("nope"));
    expect(unknown.status).toBe(404);
    const weird = await routes.detail.GET(new Request(`${PORTAL}/api/support/connections/a%20b`, { headers }), params("a b"));
    expect(weird.status).toBe(400);
  });

  it("shows the timeline with the failing step's code, message, remediation and request ids, and never a secret", async () => {
    const r = await routes.detail.GET(
      new Request(`${PORTAL}/api/support/connections/${connA}`, { headers: await callers.supportRead.headers() }),
      params(connA),
    );
    const text = await r.text();
    expect(text).not.toContain(SECRET_MARKER);
    const detail = JSON.parse(text);
    expect(detail.runs[0].whoChanged).toEqual(["The application user was disabled by Megan Bowen on 5 Dec 2026, 14:03 UTC."]);
    const failed = detail.runs[0].steps.find((s: { status: string }) => s.status === "failed");
    expect(failed).toMatchObject({
      name: "adminConsent",
      attempts: 3,
      error: {
        code: "consent_required",
        message: "An administrator needs to approve access for Act-On.",
        requestIds: ["req-aaaa-1111", "trace-bbbb-2222"],
      },
    });
    expect(failed.error.remediation).toMatch(/admin consent/i);
    expect(detail.failingStep).toBe("adminConsent");
    expect(detail.account).toEqual({ id: accountA.id, actonAccountId: "acme-001", name: "Acme Corp" });
  });

  it("mints a reconnect link Act-On's verifier accepts, audited with the support person and without the link", async () => {
    const r = await routes.reconnect.POST(
      new Request(
        `${PORTAL}/api/support/connections/${connA}/reconnect-link`,
        json(await callers.supportAdmin.headers(), { userEmail: "it@acme.test" }),
      ),
      params(connA),
    );
    expect(r.status).toBe(201);
    const link = (await r.json()) as { url: string; expiresAt: string };
    const token = new URL(link.url).searchParams.get("t")!;
    const verified = await verifyLaunchLink(token, {
      keys: [{ kid: "support-test", secret: DEEP_LINK_SECRET.split(":")[1] }],
      audience: PORTAL,
      returnOrigins: ["https://app.act-on.test"],
    });
    expect(verified.ok && verified.claims).toMatchObject({ actonAccountId: "acme-001", intent: "reconnect", userEmail: "it@acme.test" });
    const audit = await t.db.auditEvent.findFirst({
      where: { connectionId: connA, action: "support.reconnect_link.minted" },
      orderBy: { occurredAt: "desc" },
    });
    expect(audit).toMatchObject({ actorType: "support", actorId: `${TENANTS.actoncorp}:${USERS.actonSupportAdmin}` });
    expect(JSON.stringify(audit)).not.toContain(token);

    const badEmail = await routes.reconnect.POST(
      new Request(
        `${PORTAL}/api/support/connections/${connA}/reconnect-link`,
        json(await callers.supportAdmin.headers(), { userEmail: "not-an-email" }),
      ),
      params(connA),
    );
    expect(badEmail.status).toBe(422);
  });

  it("revokes the customer's sessions and spends the unused links the console minted", async () => {
    const db = t.db;
    const session = await createPortalSession(db, {
      accountId: accountA.id,
      connectionId: connA,
      intent: "reconnect",
      lifetimes: { idleMs: 3_600_000, absoluteMs: 3_600_000 },
    });
    const minted = await routes.reconnect.POST(
      new Request(
        `${PORTAL}/api/support/connections/${connA}/reconnect-link`,
        json(await callers.supportAdmin.headers(), { userEmail: "it@acme.test" }),
      ),
      params(connA),
    );
    const { url } = (await minted.json()) as { url: string };
    const r = await routes.revoke.POST(
      new Request(
        `${PORTAL}/api/support/connections/${connA}/access-revocation`,
        json(await callers.supportAdmin.headers(), { reason: "customer asked" }),
      ),
      params(connA),
    );
    expect(r.status).toBe(200);
    const body = (await r.json()) as { sessions: number; links: number };
    expect(body.sessions).toBeGreaterThanOrEqual(1);
    expect(body.links).toBeGreaterThanOrEqual(1);
    expect((await db.portalSession.findUnique({ where: { id: session.session.id } }))?.revokedAt).not.toBeNull();
    const { consumeDeepLinkNonce } = await import("@/lib/deep-link/consume-nonce");
    const token = new URL(url).searchParams.get("t")!;
    const jti = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).jti as string;
    const reuse = await consumeDeepLinkNonce(db, { nonce: jti, actonAccountId: "acme-001", expiresAt: new Date(Date.now() + 60_000) });
    expect(reuse.ok ? "usable" : reuse.error.code).toBe("link_replayed");
    const audit = await db.auditEvent.findFirst({ where: { connectionId: connA, action: "support.customer_access.revoked" } });
    expect(audit).toMatchObject({ actorType: "support", actorId: `${TENANTS.actoncorp}:${USERS.actonSupportAdmin}` });
  });

  it("re-runs verification as a verify-only run audited with the support person; a draft has nothing to verify", async () => {
    const db = t.db;
    const headers = await callers.supportAdmin.headers();
    const verify = (id: string) =>
      routes.verify.POST(new Request(`${PORTAL}/api/support/connections/${id}/verification`, json(headers, {})), params(id));
    const r = await verify(connB);
    expect(r.status).toBe(202);
    const { runId } = (await r.json()) as { runId: string };
    expect(await db.provisioningRun.findUnique({ where: { id: runId } })).toMatchObject({ kind: "verify", connectionId: connB, status: "pending" });
    const audit = await db.auditEvent.findFirst({ where: { runId, action: "run.started" } });
    expect(audit).toMatchObject({ actorType: "support", actorId: `${TENANTS.actoncorp}:${USERS.actonSupportAdmin}` });
    // Asking twice joins the verification under way.
    expect(await (await verify(connB)).json()).toEqual({ runId, alreadyRequested: true });

    const draft = await db.connection.findFirstOrThrow({ where: { status: "draft" } });
    const refused = await verify(draft.id);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "conflict" });
    expect((await verify("not a connection id")).status).toBe(400);
  });
  it("accepts a body labelled with any JSON media type, and a bare POST for an action that takes no input", async () => {
    const headers = await callers.supportAdmin.headers();
    const link = await routes.reconnect.POST(
      new Request(`${PORTAL}/api/support/connections/${connA}/reconnect-link`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/vnd.acton.support+json; charset=utf-8" },
        body: JSON.stringify({ userEmail: "it@acme.test" }),
      }),
      params(connA),
    );
    expect(link.status).toBe(201);
    const bare = await routes.verify.POST(
      new Request(`${PORTAL}/api/support/connections/${connB}/verification`, { method: "POST", headers }),
      params(connB),
    );
    expect(bare.status).toBe(202);

    const before = await snapshot();
    const form = await routes.revoke.POST(
      new Request(`${PORTAL}/api/support/connections/${connB}/access-revocation`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
        body: "reason=because",
      }),
      params(connB),
    );
    expect(form.status).toBe(415);
    const malformed = await routes.revoke.POST(
      new Request(`${PORTAL}/api/support/connections/${connB}/access-revocation`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: "{reason",
      }),
      params(connB),
    );
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: "invalid_input", errors: [{ where: "body", field: "(root)" }] });
    const missing = await routes.revoke.POST(
      new Request(`${PORTAL}/api/support/connections/${connB}/access-revocation`, { method: "POST", headers }),
      params(connB),
    );
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(["reason"]);
    expect(await snapshot()).toEqual(before);
  });

  it("rate-limits each staff member like /api/v1: over the limit, 429 with Retry-After, and nothing runs", async () => {
    const { getEnv } = await import("@/lib/core/env");
    const { API_RATE_LIMIT_REQUESTS: limit, API_RATE_LIMIT_WINDOW_MS: windowMs } = getEnv();
    const busy = "20000000-0000-4000-8000-0000000000aa";
    const window = Math.floor(Date.now() / windowMs);
    // This window and the next are spent, so the outcome does not depend on where in the window the test runs.
    for (const w of [window, window + 1]) {
      await t.db.apiRateLimit.create({ data: { key: `${TENANTS.actoncorp}:${busy}:${w}`, count: limit, expiresAt: new Date((w + 1) * windowMs) } });
    }
    const headers = await bearer(() => person(busy, "Busy Admin", ["Support.Admin"]))();
    const before = await snapshot();
    const list = await routes.list.GET(new Request(`${PORTAL}/api/support/connections`, { headers }));
    expect(list.status).toBe(429);
    expect(list.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(list.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await list.json()).toMatchObject({ code: "throttled", retryable: true });
    const revoke = await routes.revoke.POST(
      new Request(`${PORTAL}/api/support/connections/${connA}/access-revocation`, json(headers, { reason: "too many" })),
      params(connA),
    );
    expect(revoke.status).toBe(429);
    expect(await snapshot()).toEqual(before);

    // Someone else is not held back, and sees how much of their own budget is left.
    const me = await routes.me.GET(new Request(`${PORTAL}/api/support/me`, { headers: await callers.supportRead.headers() }));
    expect(me.status).toBe(200);
    expect(me.headers.get("ratelimit-limit")).toBe(String(limit));
    expect(Number(me.headers.get("ratelimit-remaining"))).toBeLessThan(limit);
  });
});
