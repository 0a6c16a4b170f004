/**
 * Support.Admin's "Probe now" (POST /api/support/connections/{id}/health-probes), the route handler called in-process
 * with Entra-shaped tokens the sandbox signs, against a connection the engine made Active on the sandbox, on SQLite and
 * PostgreSQL: who may probe (Support.Admin only, a person, of Act-On's tenant), that a refused call records nothing but
 * its refusal, and that a probe is recorded in the history and audited with the support person.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signJwt } from "@/emulator/core/tokens";
import { PORTAL_APP, TENANTS, USERS } from "@/emulator/scenarios/ids";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { createPortalSession } from "../sessions/portal-sessions";
import { SESSION_COOKIE } from "../sessions/session-cookie";
import { PROBE_NOW_ACTION } from "./probe-connection-now";

vi.setConfig({ testTimeout: 90_000 });
const PORTAL = "http://portal.test";
const fx = useMicrosoftSandbox();
let route: typeof import("@/app/api/support/connections/[id]/health-probes/route");

beforeAll(async () => {
  vi.stubEnv("MICROSOFT_AUTHORITY_HOST", fx.origin);
  vi.stubEnv("ACTON_TENANT_ID", TENANTS.actoncorp);
  vi.stubEnv("PORTAL_CLIENT_ID", PORTAL_APP.appId);
  vi.stubEnv("PORTAL_BASE_URL", PORTAL);
  vi.stubEnv("LOG_LEVEL", "error");
  // The portal's engine opens the secrets the test engine stored.
  vi.stubEnv("PORTAL_ENCRYPTION_KEYS", TEST_KEYS.map((k) => `${k.id}:${k.key.toString("base64")}`).join(","));
  route = await import("@/app/api/support/connections/[id]/health-probes/route");
});
afterAll(() => {
  vi.unstubAllEnvs();
  delete (globalThis as { portalAccessTokenVerifier?: unknown }).portalAccessTokenVerifier;
  delete (globalThis as { portalProvisioning?: unknown }).portalProvisioning;
  delete (globalThis as { portalDb?: unknown }).portalDb;
});

const nowS = () => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown>) =>
  signJwt({
    iss: `${fx.origin}/${TENANTS.actoncorp}/v2.0`,
    aud: PORTAL_APP.appId,
    tid: TENANTS.actoncorp,
    ver: "2.0",
    iat: nowS(),
    nbf: nowS(),
    exp: nowS() + 600,
    ...claims,
  });
const person = (oid: string, roles: string[]) => token({ oid, sub: oid, name: "Act-On staff", scp: "Support.Access", roles });

describe.each(await providersUnderTest())("Probe now on %s", (provider) => {
  const t = useTestDatabase(provider);

  beforeAll(() => {
    (globalThis as { portalDb?: unknown }).portalDb = t.db;
    // The portal's engine is built on first use from this provider's database.
    delete (globalThis as { portalProvisioning?: unknown }).portalProvisioning;
  });

  const probeNow = async (connectionId: string, headers: Record<string, string>) =>
    route.POST(new Request(`${PORTAL}/api/support/connections/${encodeURIComponent(connectionId)}/health-probes`, { method: "POST", headers }), {
      params: Promise.resolve({ id: connectionId }),
    });
  const bearer = async (jwt: Promise<string>) => ({ authorization: `Bearer ${await jwt}` });

  /** What a probe may change; a refusal's own audit rows (api.refused) are counted apart. */
  const snapshot = async (connectionId: string) => ({
    probes: await t.db.healthProbe.count({ where: { connectionId } }),
    audit: await t.db.auditEvent.count({ where: { action: { notIn: ["api.refused", "api.refusals"] } } }),
    health: (await t.db.connection.findUniqueOrThrow({ where: { id: connectionId }, select: { healthCheckedAt: true } })).healthCheckedAt,
  });

  it("only Support.Admin may probe; every other caller is refused and nothing is probed or audited but the refusal", async () => {
    const connectionId = await connectContosoThroughEngine(t.db, testEngine(t.db, fx), fx);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const session = await createPortalSession(t.db, {
      accountId: connection.accountId,
      connectionId,
      intent: "reconnect",
      lifetimes: { idleMs: 3_600_000, absoluteMs: 3_600_000 },
    });
    const refused: [string, Record<string, string>, number][] = [
      ["anonymous", {}, 401],
      ["the customer's portal session", { cookie: `${SESSION_COOKIE}=${session.token}` }, 401],
      ["Support.Read", await bearer(person(USERS.actonSupport, ["Support.Read"])), 403],
      ["staff without a Support role", await bearer(person("20000000-0000-4000-8000-0000000000ff", [])), 403],
      ["a service claiming Support.Admin", await bearer(token({ oid: "svc-1", sub: "svc-1", idtyp: "app", roles: ["Support.Admin"] })), 403],
      ["a connector with Connections.Read", await bearer(token({ oid: "svc-1", sub: "svc-1", idtyp: "app", roles: ["Connections.Read"] })), 403],
    ];
    for (const [who, headers, status] of refused) {
      const before = await snapshot(connectionId);
      const response = await probeNow(connectionId, headers);
      expect({ who, status: response.status }).toEqual({ who, status });
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await snapshot(connectionId)).toEqual(before);
    }

    const admin = await bearer(person(USERS.actonSupportAdmin, ["Support.Admin"]));
    const response = await probeNow(connectionId, admin);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { state: string; cause: string | null; ok: boolean; changed: boolean };
    expect(report).toMatchObject({ ok: true, state: "healthy", cause: null, changed: false });
    const history = await t.db.healthProbe.findMany({ where: { connectionId } });
    expect(history.map((p) => [p.ok, p.state, p.cause])).toEqual([[true, "healthy", null]]);
    const audit = await t.db.auditEvent.findMany({ where: { connectionId, action: PROBE_NOW_ACTION } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: "support",
      actorId: `${TENANTS.actoncorp}:${USERS.actonSupportAdmin}`,
      outcome: "success",
      detail: { state: "healthy", cause: null, changed: false },
    });
  });

  it("a connection that cannot be probed is refused (409, audited as a failure); an unknown or malformed id changes nothing", async () => {
    const admin = await bearer(person(USERS.actonSupportAdmin, ["Support.Admin"]));
    const account = await t.db.account.create({ data: { actonAccountId: `probe-${provider}-draft`, name: "Draft Co" } });
    const draft = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } });
    const refused = await probeNow(draft.id, admin);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "conflict" });
    expect(await t.db.healthProbe.count({ where: { connectionId: draft.id } })).toBe(0);
    expect(await t.db.auditEvent.findMany({ where: { connectionId: draft.id, action: PROBE_NOW_ACTION } })).toMatchObject([
      { actorType: "support", outcome: "failure", detail: { refused: "conflict" } },
    ]);

    const auditBefore = await t.db.auditEvent.count();
    expect((await probeNow("no-such-connection", admin)).status).toBe(404);
    expect((await probeNow("not a connection id", admin)).status).toBe(400);
    expect(await t.db.auditEvent.count()).toBe(auditBefore);
  });
});
