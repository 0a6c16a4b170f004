/** The control API: endpoints, reset, state redaction, fault injection in each service's own error shape, settings. */
import { describe, expect, it } from "vitest";
import { ACTON_SERVICES, PORTAL_APP, PORTAL_APP_SECRET, TENANTS } from "../scenarios/ids";
import { useSandbox } from "@/test/support/sandbox";
import { postToken } from "../testing/raw-oauth";

const sb = useSandbox();
const ccPortal = () =>
  postToken(sb.origin, TENANTS.actoncorp, {
    grant_type: "client_credentials",
    client_id: PORTAL_APP.appId,
    client_secret: PORTAL_APP_SECRET,
    scope: "https://graph.microsoft.com/.default",
  });

type SandboxStateJson = { users: object[]; applications: { passwordCredentials: object[] }[]; environments: { domainUsers: object[] }[] };

describe("control API", () => {
  it("lists every service's base URL, the environments and the portal app", async () => {
    const e = (await sb.control.getEndpoints()) as Record<string, Record<string, unknown>>;
    expect(e.identity.authorityHost).toBe(sb.origin);
    expect(e.graph.baseUrl).toBe(`${sb.origin}/graph`);
    expect(e.discovery.baseUrl).toBe(`${sb.origin}/globaldisco`);
    expect(e.control.baseUrl).toBe(`${sb.origin}/__emulator`);
    expect((e.dataverse.environments as { url: string }[]).map((x) => x.url)).toEqual([
      `${sb.origin}/dynamics/contoso-sales`,
      `${sb.origin}/dynamics/contoso-eu`,
      `${sb.origin}/dynamics/contoso-onprem`,
      `${sb.origin}/dynamics/contoso-ifd`,
    ]);
    expect(e.portalApp.clientId).toBe(PORTAL_APP.appId);
    expect(e.trust.caBundle).toMatch(/ca-bundle\.pem$/);
  });

  it("shows the state without password or secret digests", async () => {
    const res = await fetch(`${sb.origin}/__emulator/state`);
    const text = await res.text();
    expect(text).not.toMatch(/passwordSha256|secretSha256|ntHash/);
    const state = JSON.parse(text);
    expect(state.applications[0].passwordCredentials[0]).toMatchObject({ keyId: expect.any(String), hint: "Pq8", endDateTime: expect.any(String) });
    expect(state.tenants.map((t: { domains: string[] }) => t.domains[0])).toEqual([
      "contoso.onmicrosoft.com",
      "actoncorp.onmicrosoft.com",
      "fabrikam.onmicrosoft.com",
    ]);
  });

  it("resets to a given state, hashing clear-text passwords on the way in", async () => {
    const state = (await sb.control.getState()) as SandboxStateJson;
    state.users = state.users.map((u: object) => ({ ...u, password: "New-Passw0rd!" }));
    state.applications = state.applications.map((a: { passwordCredentials: object[] }) => ({
      ...a,
      passwordCredentials: a.passwordCredentials.map((c: object) => ({ ...c, secretText: "Another8Q~secret" })),
    }));
    state.environments = state.environments.map((e: { domainUsers: object[] }) => ({
      ...e,
      domainUsers: e.domainUsers.map((b: object) => ({ ...b, password: "x" })),
    }));
    await sb.control.reset({ state });
    const res = await postToken(sb.origin, TENANTS.actoncorp, {
      grant_type: "client_credentials",
      client_id: PORTAL_APP.appId,
      client_secret: "Another8Q~secret",
      scope: "https://graph.microsoft.com/.default",
    });
    expect(res.status).toBe(200);
    expect((await ccPortal()).body).toMatchObject({ error_codes: [7000215] });
  });

  it("rejects bad input with 400 and a plain message, changing nothing", async () => {
    for (const [path, method, body] of [
      ["/faults", "POST", { service: "graph", kind: "explode" }],
      ["/faults", "POST", { service: "graph", kind: "latency" }],
      ["/faults", "POST", { service: "graph", kind: "throttle", path: "^(" }],
      ["/settings", "PATCH", { baseLatencyMs: -1 }],
      ["/reset", "POST", { scenario: "nope" }],
      ["/reset", "POST", { state: { tenants: [] } }],
    ] as const) {
      const res = await fetch(`${sb.origin}/__emulator${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe("invalid_input");
      expect(json.error.message.length).toBeGreaterThan(5);
    }
    const bad = await fetch(`${sb.origin}/__emulator/faults`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await sb.control.getState()).faults).toEqual([]);
  });

  it("throttles the token endpoint with 429, Retry-After and Entra's error body, counting down `remaining`", async () => {
    const fault = await sb.control.addFault({
      service: "identity",
      kind: "throttle",
      path: "^/[^/]+/oauth2/v2.0/token$",
      retryAfterSeconds: 7,
      remaining: 2,
    });
    expect(fault.id).toMatch(/^[0-9a-f-]{36}$/);
    for (let i = 0; i < 2; i++) {
      const res = await ccPortal();
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("7");
      expect(res.body).toMatchObject({ error: "temporarily_unavailable", error_codes: [90055] });
    }
    expect((await ccPortal()).status).toBe(200);
    expect((await sb.control.getState()).faults).toEqual([]);
  });

  it("makes Graph answer 503 in Graph's error shape until the fault is deleted", async () => {
    const fault = await sb.control.addFault({
      service: "graph",
      method: "GET",
      kind: "unavailable",
      path: "/v1.0/organization",
      retryAfterSeconds: 3,
    });
    const res = await fetch(`${sb.origin}/graph/v1.0/organization`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toMatchObject({ error: { code: "serviceNotAvailable", innerError: { "request-id": expect.any(String) } } });
    await sb.control.removeFault(fault.id);
    expect((await fetch(`${sb.origin}/graph/v1.0/organization`)).status).toBe(401); // back to normal: no token
  });

  it("throttles Dataverse with its own error code and adds latency on request", async () => {
    await sb.control.addFault({ service: "dataverse", kind: "throttle", path: "/api/data/v9.2/WhoAmI", remaining: 1 });
    const res = await fetch(`${sb.origin}/dynamics/contoso-sales/api/data/v9.2/WhoAmI`);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: { code: "0x80072322" } });

    await sb.control.clearFaults();
    await sb.control.addFault({ service: "*", kind: "latency", latencyMs: 300, remaining: 1 });
    const started = Date.now();
    await fetch(`${sb.origin}/common/v2.0/.well-known/openid-configuration`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("applies base latency to services but never to the control API", async () => {
    expect(await sb.control.setSettings({ baseLatencyMs: 250 })).toEqual({ replicationLagMs: 0, baseLatencyMs: 250 });
    let t = Date.now();
    await fetch(`${sb.origin}/common/discovery/v2.0/keys`);
    expect(Date.now() - t).toBeGreaterThanOrEqual(240);
    t = Date.now();
    await sb.control.getState();
    expect(Date.now() - t).toBeLessThan(200);
  });

  it("answers unknown routes with 404 in the service's style", async () => {
    const identity = await fetch(`${sb.origin}/common/oauth2/v2.0/nothing`);
    expect(identity.status).toBe(404);
    expect(await identity.json()).toMatchObject({ error: "invalid_request", error_codes: [90100] });
    const control = await fetch(`${sb.origin}/__emulator/nothing`);
    expect(control.status).toBe(404);
    expect(await control.json()).toMatchObject({ error: { code: "notFound" } });
  });

  it("answers a redirect fault with the 3xx and its Location, and moves a collection's nextLink to another origin", async () => {
    await sb.control.addFault({
      service: "identity",
      path: "^/[^/]+/oauth2/v2\\.0/token$",
      method: "POST",
      kind: "redirect",
      redirectStatus: 307,
      location: "https://attacker.example/token",
      remaining: 1,
    });
    const res = await fetch(`${sb.origin}/${TENANTS.actoncorp}/oauth2/v2.0/token`, {
      method: "POST",
      redirect: "manual",
      body: "grant_type=client_credentials",
    });
    expect([res.status, res.headers.get("location")]).toEqual([307, "https://attacker.example/token"]);
    expect((await ccPortal()).status).toBe(200); // remaining: 1 was used up

    const token = (
      await postToken(sb.origin, TENANTS.actoncorp, {
        grant_type: "client_credentials",
        client_id: ACTON_SERVICES.connector.appId,
        client_secret: ACTON_SERVICES.connector.secret,
        scope: "https://graph.microsoft.com/.default",
      })
    ).body.access_token as string;
    // The connector has no Graph role, so use the sandbox's signing to read one page of service principals as an app.
    const reader = await sb.control.signToken({
      ...JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()),
      roles: ["Application.Read.All"],
    });
    const list = (extra = "") =>
      fetch(`${sb.origin}/graph/v1.0/servicePrincipals?$top=1${extra}`, { headers: { authorization: `Bearer ${reader}` } });
    const normal = (await (await list()).json()) as Record<string, string>;
    expect(new URL(normal["@odata.nextLink"]).origin).toBe(sb.origin);
    await sb.control.addFault({ service: "graph", path: "/v1.0/servicePrincipals", kind: "nextLinkOrigin", origin: "https://elsewhere.example" });
    const moved = (await (await list()).json()) as Record<string, string>;
    expect(new URL(moved["@odata.nextLink"]).origin).toBe("https://elsewhere.example");
    const bad = await fetch(`${sb.origin}/__emulator/faults`, { method: "POST", body: JSON.stringify({ service: "graph", kind: "redirect" }) });
    expect(bad.status).toBe(400);
  });

  it("logs service requests without credentials or query strings, and forgets them on reset", async () => {
    const since = new Date();
    await ccPortal();
    await fetch(`${sb.origin}/graph/v1.0/organization?$select=id`);
    const log = await sb.control.getRequests(since);
    expect(log.map((r) => [r.service, r.method, r.path, r.status, r.authorization])).toEqual([
      ["identity", "POST", `/${TENANTS.actoncorp}/oauth2/v2.0/token`, 200, true],
      ["graph", "GET", "/graph/v1.0/organization", 401, false],
    ]);
    expect(JSON.stringify(log)).not.toContain(PORTAL_APP_SECRET);
    await sb.control.reset();
    expect(await sb.control.getRequests()).toEqual([]);
    expect((await fetch(`${sb.origin}/__emulator/requests?since=yesterday`)).status).toBe(400);
  });

  it("moves the sandbox clock forward only: tokens are issued on it, a secret past its end is refused, a reset puts it back", async () => {
    const portalSecretEnd = async () => {
      const state = (await sb.control.getState()) as unknown as { applications: { appId: string; passwordCredentials: { endDateTime: string }[] }[] };
      return Date.parse(state.applications.find((a) => a.appId === PORTAL_APP.appId)!.passwordCredentials[0].endDateTime);
    };
    const before = await ccPortal();
    expect(before.status).toBe(200);
    const ahead = 40 * 86_400_000;
    const moved = await sb.control.advanceClock(ahead);
    expect(moved.offsetMs).toBe(ahead);
    expect(Math.abs(Date.parse(moved.now) - (Date.now() + ahead))).toBeLessThan(5_000);
    const iatOf = (token: unknown) => JSON.parse(Buffer.from(String(token).split(".")[1], "base64url").toString("utf8")).iat as number;
    const after = await ccPortal();
    expect(after.status).toBe(200);
    expect(iatOf(after.body.access_token) - iatOf(before.body.access_token)).toBeGreaterThanOrEqual(ahead / 1000 - 5);
    // Past the portal app's own secret: the sandbox refuses it as Microsoft does an expired secret.
    await sb.control.advanceClock(Math.max(0, (await portalSecretEnd()) - Date.now() - ahead) + 86_400_000);
    const expired = await ccPortal();
    expect(expired.status).toBe(401);
    expect(String(expired.body.error_description)).toMatch(/^AADSTS7000222/);
    const back = await fetch(`${sb.origin}/__emulator/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advanceByMs: -1 }),
    });
    expect(back.status).toBe(400);
    await sb.control.reset();
    expect((await sb.control.getClock()).offsetMs).toBe(0);
    expect((await ccPortal()).status).toBe(200);
  });
});
