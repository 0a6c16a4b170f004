/**
 * The authorization matrix of the portal's machine API: every /api/v1 route and action, called by every kind of
 * caller, on SQLite and PostgreSQL. Each cell asserts the status, and for every refused cell that nothing changed in
 * the database. Tokens are signed by the Microsoft sandbox's key and verified against its published JWKS over HTTPS.
 */
import { describe, expect, it } from "vitest";
import { TENANTS } from "@/emulator/scenarios/ids";
import { CALLERS, CONNECTOR_OBJECT_ID, REFUSAL_ACTIONS, snapshot, useApiTestWorld, type Caller } from "@/test/support/api-test-world";
import { PUBLIC_OPERATIONS as OPERATIONS, type PublicOperationName as OperationName } from "@/lib/api/operations";
import { providersUnderTest, useTestDatabase, type TestDatabase } from "@/test/support/test-databases";

const providers = await providersUnderTest();
const REFUSAL_WINDOW_MS = 4_000;

/**
 * Who may call each operation, written out (not derived from OPERATIONS) so a change of a route's roles fails here.
 * Allowed callers get the operation's success status; callers without a valid token for the API get 401, valid
 * tokens without the role 403.
 */
const SERVICES_READING: Caller[] = ["connectorRead", "connectorCredentials", "connectorWithoutIdtyp"];
const ALLOWED: Record<OperationName, Caller[]> = {
  listConnections: SERVICES_READING,
  getConnection: SERVICES_READING,
  getConnectionCredentials: ["connectorCredentials", "connectorWithoutIdtyp"],
  createConnectionAccessToken: ["connectorToken", "connectorWithoutIdtyp"],
  listConnectionDeliveries: ["supportRead", "supportAdmin", ...SERVICES_READING],
  requestVerification: ["supportAdmin", ...SERVICES_READING],
  // A link opens a session that may change the customer's connection: a write, never Connections.Read's.
  createDeepLink: ["connectorLinks", "connectorWithoutIdtyp"],
  listWebhookEndpoints: ["supportRead", "supportAdmin"],
  createWebhookEndpoint: ["supportAdmin"],
  getWebhookEndpoint: ["supportRead", "supportAdmin"],
  updateWebhookEndpoint: ["supportAdmin"],
  rotateWebhookSecret: ["supportAdmin"],
  testWebhookEndpoint: ["supportAdmin"],
  listEndpointDeliveries: ["supportRead", "supportAdmin"],
  redeliverWebhook: ["supportAdmin"],
  deleteWebhookEndpoint: ["supportAdmin"],
};
/**
 * What an allowed caller gets where the world cannot give the operation's success: the world's connections name
 * made-up app registrations, so Microsoft refuses to mint a token for them (409, Microsoft's refusal in the body);
 * mint-connection-access-token.integration.test.ts mints real ones.
 */
const ALLOWED_STATUS: Partial<Record<OperationName, number>> = { createConnectionAccessToken: 409 };
const UNAUTHENTICATED: Caller[] = [
  "anonymous",
  "customerAdminOwn",
  "customerAdminOther",
  "otherTenant",
  "expired",
  "otherAudience",
  "badSignature",
  "noAppIdentity",
  "longLived",
];
/** The object id a caller's token names, for the audit row of a refusal it earns (people and services alike). */
const OBJECT_ID: Partial<Record<Caller, string>> = {
  supportRead: "20000000-0000-4000-8000-000000000011",
  supportAdmin: "20000000-0000-4000-8000-000000000012",
};
const refusalRows = (db: TestDatabase["db"]) =>
  db.auditEvent.findMany({ where: { action: { in: REFUSAL_ACTIONS } }, orderBy: { occurredAt: "asc" } });

describe.each(providers)("authorization matrix of /api/v1 on %s", (provider) => {
  const t = useTestDatabase(provider);
  const world = useApiTestWorld(t, { API_REFUSAL_AUDIT_WINDOW_MS: String(REFUSAL_WINDOW_MS) });

  it("has a row for every operation, and every operation has its route file and method", () => {
    expect(Object.keys(ALLOWED).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const op of Object.values(OPERATIONS)) expect(typeof world.routes.get(op.path)?.[op.method.toUpperCase()]).toBe("function");
  });

  it("counts 50 refusals of callers without a usable token into a few audit rows that carry the count", async () => {
    expect(await refusalRows(t.db)).toEqual([]);
    const started = Date.now();
    for (let i = 0; i < 50; i++) expect((await world.call("listConnections", "anonymous")).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await world.call("createDeepLink", "badSignature")).status).toBe(401);
    const windowsSpanned = Math.floor(Date.now() / REFUSAL_WINDOW_MS) - Math.floor(started / REFUSAL_WINDOW_MS) + 1;
    const counted = async () => {
      const rows = await refusalRows(t.db);
      return rows.reduce((sum, row) => sum + ((row.detail as { count?: number } | null)?.count ?? 0), 0);
    };
    // Each instance writes its counts once the window ends.
    const deadline = Date.now() + 3 * REFUSAL_WINDOW_MS;
    while ((await counted()) < 70 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const rows = await refusalRows(t.db);
    // One row per key (two here) per window the burst touched (one, or two when it straddles a boundary): not seventy.
    expect(rows.length).toBeLessThanOrEqual(2 * windowsSpanned);
    const total = (route: string, reason: string) =>
      rows
        .map((row) => ({ ...row, detail: row.detail as { route: string; reason: string; method: string; callerKey: string | null; count: number } }))
        .filter((row) => row.detail.route === route && row.detail.reason === reason)
        .reduce((sum, row) => sum + row.detail.count, 0);
    expect(total("/api/v1/connections", "missing_token")).toBe(50);
    expect(total("/api/v1/deep-links", "invalid_token")).toBe(20);
    for (const row of rows) {
      expect(row).toMatchObject({ action: "api.refusals", actorType: "system", outcome: "failure" });
      expect(row.detail).toMatchObject({ callerKey: null, windowStart: expect.any(String), windowEnd: expect.any(String) });
    }
  }, 30_000);

  // Allowed callers go last in each row, so a mutation (delete) happens after every refusal of it was checked.
  const cells = (Object.keys(ALLOWED) as OperationName[]).flatMap((name) =>
    [...CALLERS].sort((x, y) => Number(ALLOWED[name].includes(x)) - Number(ALLOWED[name].includes(y))).map((caller) => [name, caller] as const),
  );

  it.each(cells)("%s by %s", async (name, caller) => {
    const op = OPERATIONS[name];
    const allowed = ALLOWED[name].includes(caller);
    const expected = allowed ? (ALLOWED_STATUS[name] ?? op.success.status) : UNAUTHENTICATED.includes(caller) ? 401 : 403;
    const before = await snapshot(t.db);
    const refusalsBefore = (await refusalRows(t.db)).filter((row) => row.action === "api.refused").length;
    const response = await world.call(name, caller);
    const text = await response.text();
    expect({ status: response.status, body: response.status === expected ? "" : text }).toEqual({ status: expected, body: "" });
    if (!allowed) {
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(JSON.parse(text)).toMatchObject({ status: expected, code: expected === 401 ? "unauthorized" : "forbidden" });
      if (expected === 401) expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await snapshot(t.db)).toBe(before);
      // A caller the token proves gets its own audit row; one without a usable token is only counted (test above).
      const refused = (await refusalRows(t.db)).filter((row) => row.action === "api.refused").slice(refusalsBefore);
      if (expected === 403) {
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({
          actorType: OBJECT_ID[caller] ? "support" : "acton",
          actorId: `${TENANTS.actoncorp}:${OBJECT_ID[caller] ?? CONNECTOR_OBJECT_ID}`,
          outcome: "failure",
          detail: { method: op.method.toUpperCase(), route: op.path, reason: "missing_role", roles: [...op.roles] },
        });
      } else {
        expect(refused).toEqual([]);
      }
    }
    // A secret never leaves the API except to the credentials route's one caller.
    if (name !== "getConnectionCredentials" || !allowed) expect(text).not.toMatch(/client-secret-value/);
    if (name === "requestVerification" && allowed) {
      const { runId } = JSON.parse(text) as { runId: string };
      expect(await t.db.provisioningRun.findUnique({ where: { id: runId } })).toMatchObject({ kind: "verify", connectionId: world.connectionB });
      expect(await t.db.auditEvent.findFirst({ where: { action: "run.started", runId } })).toMatchObject({ connectionId: world.connectionB });
    }
    if (name === "createConnectionAccessToken" && allowed)
      expect(JSON.parse(text)).toMatchObject({ code: "conflict", detail: expect.stringMatching(/Microsoft refused this connection.s credential/) });
    if (name === "getConnectionCredentials" && allowed) {
      expect(JSON.parse(text)).toMatchObject({ authMode: "cloud", clientSecret: "client-secret-value-B" });
      expect(response.headers.get("cache-control")).toBe("no-store");
      const audit = await t.db.auditEvent.findFirst({
        where: { action: "connection.credentials.read", connectionId: world.connectionB },
        orderBy: { occurredAt: "desc" },
      });
      expect(audit).toMatchObject({ actorType: "acton", actorId: `${TENANTS.actoncorp}:${CONNECTOR_OBJECT_ID}` });
      expect(JSON.stringify(audit)).not.toMatch(/client-secret-value/);
    }
  });
});
