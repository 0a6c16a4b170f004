/**
 * Tokens, secrets and passwords go to allow-listed hosts only: a paging link that leaves the first
 * request's origin is refused, a 3xx from Microsoft is an error (never success, never followed), and MSAL's network
 * module does not follow a redirect (a 307 would re-send the client secret to the redirect's target).
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEnvironments } from "./discovery";
import { listUserRoles } from "./dataverse";
import { isMicrosoftError } from "./errors";
import { findApplicationByTag } from "./graph";
import { microsoftFetch } from "./http";
import { getAppToken } from "./app-tokens";

const GUID = "11111111-2222-4333-8444-555555555555";
const app = { id: GUID, appId: GUID, displayName: "Act-On Integration", tags: ["t"] };

/** A scripted fetch that answers in order and remembers each URL it was sent, with its Authorization header. */
function scripted(answers: Response[]) {
  const sent: { url: string; authorization: string | null }[] = [];
  const impl = (async (url: URL | string, init?: RequestInit) => {
    sent.push({ url: String(url), authorization: new Headers(init?.headers).get("authorization") });
    const next = answers.shift();
    if (!next) throw new Error("no more scripted answers");
    return next;
  }) as typeof fetch;
  return { impl, sent };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("paging links keep the first request's scheme and origin", () => {
  it("Graph: a nextLink to another origin is refused before the token is sent there", async () => {
    const { impl, sent } = scripted([json({ value: [app], "@odata.nextLink": "https://evil.example/v1.0/applications?$skiptoken=x" })]);
    const e = await findApplicationByTag(
      { baseUrl: "https://graph.microsoft.com", getToken: async () => "admin-token", fetchImpl: impl },
      { tag: "t" },
    ).catch((x) => x);
    expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
    expect(sent.map((s) => new URL(s.url).origin)).toEqual(["https://graph.microsoft.com"]);
  });

  it("Graph: a nextLink that downgrades the scheme is refused", async () => {
    const { impl, sent } = scripted([json({ value: [app], "@odata.nextLink": "http://graph.microsoft.com/v1.0/applications?$skiptoken=x" })]);
    await expect(
      findApplicationByTag({ baseUrl: "https://graph.microsoft.com", getToken: async () => "admin-token", fetchImpl: impl }, { tag: "t" }),
    ).rejects.toSatisfy((e) => isMicrosoftError(e, "upstream_unavailable"));
    expect(sent).toHaveLength(1);
  });

  it("Graph: a nextLink on the same origin is followed", async () => {
    const { impl, sent } = scripted([
      json({ value: [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/applications?$skiptoken=x" }),
      json({ value: [app] }),
    ]);
    const found = await findApplicationByTag(
      { baseUrl: "https://graph.microsoft.com", getToken: async () => "admin-token", fetchImpl: impl },
      { tag: "t" },
    );
    expect(found?.appId).toBe(GUID);
    expect(sent).toHaveLength(2);
  });

  it("Dataverse: a nextLink to another host is refused", async () => {
    const { impl, sent } = scripted([
      json({ value: [], "@odata.nextLink": "https://contoso.crm.dynamics.com.evil.example/api/data/v9.2/roles?$skiptoken=1" }),
    ]);
    await expect(
      listUserRoles({ environmentUrl: "https://contoso.crm.dynamics.com", getToken: async () => "t", fetchImpl: impl }, { systemUserId: GUID }),
    ).rejects.toSatisfy((e) => isMicrosoftError(e, "upstream_unavailable"));
    expect(sent).toHaveLength(1);
  });

  it("Discovery: a nextLink to another host is refused", async () => {
    const { impl, sent } = scripted([json({ value: [], "@odata.nextLink": "https://globaldisco.evil.example/api/discovery/v2.0/Instances?page=2" })]);
    await expect(listEnvironments({ baseUrl: "https://globaldisco.crm.dynamics.com", getToken: async () => "t", fetchImpl: impl })).rejects.toSatisfy(
      (e) => isMicrosoftError(e, "upstream_unavailable"),
    );
    expect(sent).toHaveLength(1);
  });
});

describe("a 3xx from Microsoft is an error", () => {
  it("is neither success nor followed nor retried, for reads and writes", async () => {
    for (const replay of ["safe", "onlyIfThrottled"] as const) {
      const { impl, sent } = scripted([new Response(null, { status: 307, headers: { location: "https://evil.example/steal" } })]);
      const e = await microsoftFetch({
        service: "graph",
        method: "POST",
        url: "https://graph.microsoft.com/v1.0/applications",
        token: "t",
        replay,
        body: {},
        fetchImpl: impl,
      }).catch((x) => x);
      expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
      expect(e.status).toBe(307);
      expect(e.appError.detail).toContain("https://evil.example");
      expect(sent).toHaveLength(1);
    }
  });

  it("a 304 or 302 on a read is not taken for an answer", async () => {
    const { impl } = scripted([new Response(null, { status: 302, headers: { location: "/elsewhere" } })]);
    await expect(
      microsoftFetch({
        service: "dataverse",
        method: "GET",
        url: "https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI",
        token: "t",
        replay: "safe",
        fetchImpl: impl,
      }),
    ).rejects.toSatisfy((e) => isMicrosoftError(e) && e.status === 302);
  });
});

describe("MSAL's network module never follows a redirect", () => {
  const tls = { cert: readFileSync(".data/sandbox/server.pem"), key: readFileSync(".data/sandbox/server-key.pem") };
  let authority: Server;
  let target: Server;
  let authorityOrigin = "";
  const seenByTarget: string[] = [];

  const listen = (server: Server) =>
    new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`https://localhost:${(server.address() as AddressInfo).port}`)));

  beforeAll(async () => {
    target = createServer(tls, (req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seenByTarget.push(`${req.method} ${req.url} ${body}`);
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ token_type: "Bearer", access_token: "stolen", expires_in: 3600 }));
      });
    });
    const targetOrigin = await listen(target);
    authority = createServer(tls, (req, res) => {
      const tenant = req.url!.split("/")[1];
      if (req.method === "GET" && req.url!.includes("openid-configuration")) {
        const base = `${authorityOrigin}/${tenant}`;
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            issuer: `${base}/v2.0`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            token_endpoint: `${base}/oauth2/v2.0/token`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
          }),
        );
        return;
      }
      // The token request, with the client secret in its body, is redirected elsewhere.
      res.writeHead(307, { location: `${targetOrigin}/steal` }).end();
    });
    authorityOrigin = await listen(authority);
  });
  afterAll(async () => {
    await Promise.all([new Promise((r) => authority?.close(r)), new Promise((r) => target?.close(r))]);
  });

  it("a 307 from the token endpoint fails the request and nothing reaches the Location", async () => {
    const e = await getAppToken({
      config: { authorityHost: authorityOrigin, graphUrl: "https://graph.microsoft.com", discoveryUrl: "https://globaldisco.crm.dynamics.com" },
      tenantId: GUID,
      clientId: GUID,
      clientSecret: "the-client-secret-value",
      resource: "graph",
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1_000 },
    }).catch((x) => x);
    expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
    expect(e.status).toBe(307);
    expect(seenByTarget).toEqual([]);
  });
});
