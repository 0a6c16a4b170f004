import { Agent, request } from "node:https";
import { describe, expect, it } from "vitest";
import * as httpntlm from "httpntlm/ntlm.js";
import { useSandbox } from "@/test/support/sandbox";
import { ADFS_REGISTERED_CLIENT, ENVIRONMENTS, SANDBOX_PASSWORD } from "../scenarios/ids";
import { ntHash, ntowfv2, verifyNtlmV2 } from "./ntlm-server";

// The sandbox's NTLM is proven with a client the portal does not use (httpntlm's message functions; the portal uses
// @ewsjs/ntlm-client) and with the worked NTLMv2 example of MS-NLMP 4.2.4, computed by hand from the spec.

const sandbox = useSandbox();

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; rawHeaders: string[]; body: string };

/** One HTTPS request over the given agent (a keep-alive agent with one socket keeps the NTLM connection). */
function send(agent: Agent, url: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: text }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

const windowsApi = () => `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoOnPrem.urlName}/api/data`;
const ifdUrl = () => `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoIfd.urlName}`;

async function ntlmSignIn(agent: Agent, url: string, user: { username: string; domain: string; password: string }): Promise<Answer> {
  const first = await send(agent, url, { authorization: httpntlm.createType1Message({ domain: user.domain, workstation: "TESTBOX" }) });
  expect(first.status).toBe(401);
  const challenge = String(first.headers["www-authenticate"]);
  expect(challenge).toMatch(/^NTLM [A-Za-z0-9+/=]+$/);
  const type2 = httpntlm.parseType2Message(challenge, (e) => {
    throw e;
  });
  return send(agent, url, { authorization: httpntlm.createType3Message(type2, { ...user, workstation: "TESTBOX" }) });
}

describe("NTLMv2 server side (MS-NLMP)", () => {
  it("reproduces MS-NLMP 4.2.4's NTOWFv2 and NTProofStr, and refuses a changed blob", () => {
    const key = ntowfv2(ntHash("Password"), "User", "Domain");
    expect(key.toString("hex")).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
    const u16 = (s: string) => Buffer.from(s, "utf16le");
    const av = (id: number, v: Buffer) => Buffer.concat([Buffer.from([id, 0, v.length, 0]), v]);
    const serverName = Buffer.concat([av(2, u16("Domain")), av(1, u16("Server")), Buffer.alloc(4)]);
    const temp = Buffer.concat([
      Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.alloc(8),
      Buffer.alloc(8, 0xaa),
      Buffer.alloc(4),
      serverName,
      Buffer.alloc(4),
    ]);
    const ntProofStr = Buffer.from("68cd0ab851e51c96aabc927bebef6a1c", "hex");
    const serverChallenge = Buffer.from("0123456789abcdef", "hex");
    const input = { ntHash: ntHash("Password"), user: "User", domain: "Domain", serverChallenge };
    expect(verifyNtlmV2({ ...input, ntResponse: Buffer.concat([ntProofStr, temp]) })).toBe(true);
    const tampered = Buffer.concat([ntProofStr, temp]);
    tampered[20] ^= 1;
    expect(verifyNtlmV2({ ...input, ntResponse: tampered })).toBe(false);
    expect(verifyNtlmV2({ ...input, ntHash: ntHash("password"), ntResponse: Buffer.concat([ntProofStr, temp]) })).toBe(false);
  });
});

describe("the Windows on-premises org (IIS with Windows authentication)", () => {
  it("signs in CONTOSO\\crmadmin with httpntlm's NTLMv2 on one keep-alive connection, which then stays signed in", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ok = await ntlmSignIn(agent, `${windowsApi()}/v9.1/WhoAmI`, { username: "crmadmin", domain: "CONTOSO", password: SANDBOX_PASSWORD });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ OrganizationId: ENVIRONMENTS.contosoOnPrem.id });
      // The connection is signed in: no header needed, and an unknown version is now the Web API's 404.
      expect((await send(agent, `${windowsApi()}/v9.1/WhoAmI`)).status).toBe(200);
      expect((await send(agent, `${windowsApi()}/v9.2/WhoAmI`)).status).toBe(404);
    } finally {
      agent.destroy();
    }
    // Another connection is not.
    const fresh = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(fresh, `${windowsApi()}/v9.1/WhoAmI`)).status).toBe(401);
    fresh.destroy();
  });

  it("accepts the UPN form (user@domain, empty domain) and refuses a wrong password with IIS's 401", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const upn = await ntlmSignIn(agent, `${windowsApi()}/v9.1/WhoAmI`, {
        username: "crmadmin@contoso.local",
        domain: "",
        password: SANDBOX_PASSWORD,
      });
      expect(upn.status).toBe(200);
      const wrong = await ntlmSignIn(agent, `${windowsApi()}/v9.1/WhoAmI`, { username: "crmadmin", domain: "CONTOSO", password: "not-it" });
      expect(wrong.status).toBe(401);
      // One WWW-Authenticate header per provider, as IIS sends them.
      const offered = wrong.rawHeaders.filter((_, i) => i % 2 === 1 && wrong.rawHeaders[i - 1].toLowerCase() === "www-authenticate");
      expect(offered).toEqual(["Negotiate", "NTLM"]);
      // The failed attempt signed the connection out.
      expect((await send(agent, `${windowsApi()}/v9.1/WhoAmI`)).status).toBe(401);
    } finally {
      agent.destroy();
    }
  });

  it("refuses an AUTHENTICATE message sent on another connection than its challenge", async () => {
    const one = new Agent({ keepAlive: true, maxSockets: 1 });
    const two = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(one, `${windowsApi()}/v9.1/WhoAmI`, { authorization: httpntlm.createType1Message({ workstation: "TESTBOX" }) });
      const type2 = httpntlm.parseType2Message(String(first.headers["www-authenticate"]), (e) => {
        throw e;
      });
      const type3 = httpntlm.createType3Message(type2, {
        username: "crmadmin",
        domain: "CONTOSO",
        password: SANDBOX_PASSWORD,
        workstation: "TESTBOX",
      });
      expect((await send(two, `${windowsApi()}/v9.1/WhoAmI`, { authorization: type3 })).status).toBe(401);
    } finally {
      one.destroy();
      two.destroy();
    }
  });
});

describe("the IFD on-premises org and its AD FS", () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const token = (fields: Record<string, string>) =>
    fetch(`${sandbox.origin}/adfs/oauth2/token/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form(fields),
    });
  const passwordGrant = (over: Record<string, string> = {}) =>
    token({
      grant_type: "password",
      client_id: ADFS_REGISTERED_CLIENT.clientId,
      resource: `${ifdUrl()}/`,
      username: "crmadmin@contoso.local",
      password: SANDBOX_PASSWORD,
      ...over,
    });

  it("refuses Basic with a Bearer challenge naming AD FS's authorize endpoint and the org as resource_id", async () => {
    const basic = `Basic ${Buffer.from(`CONTOSO\\crmadmin:${SANDBOX_PASSWORD}`).toString("base64")}`;
    for (const headers of [{}, { authorization: basic }] as Record<string, string>[]) {
      const res = await fetch(`${ifdUrl()}/api/data/v9.0/WhoAmI`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(`Bearer authorization_uri=${sandbox.origin}/adfs/oauth2/authorize, resource_id=${ifdUrl()}/`);
    }
  });

  it("publishes its metadata and keys, and issues a token for a registered client that WhoAmI accepts (Web API 9.0)", async () => {
    const meta = await (await fetch(`${sandbox.origin}/adfs/.well-known/openid-configuration`)).json();
    expect(meta).toMatchObject({ token_endpoint: `${sandbox.origin}/adfs/oauth2/token/`, jwks_uri: `${sandbox.origin}/adfs/discovery/keys` });
    expect(meta.grant_types_supported).toContain("password");
    expect((await (await fetch(meta.jwks_uri)).json()).keys).toHaveLength(1);

    const res = await passwordGrant();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    const bearer = { authorization: `Bearer ${body.access_token}` };
    const me = await fetch(`${ifdUrl()}/api/data/v9.0/WhoAmI`, { headers: bearer });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ OrganizationId: ENVIRONMENTS.contosoIfd.id });
    expect((await fetch(`${ifdUrl()}/api/data/v9.1/WhoAmI`, { headers: bearer })).status).toBe(404);
    // The token is for the IFD org only.
    expect((await fetch(`${windowsApi()}/v9.1/WhoAmI`, { headers: bearer })).status).toBe(401);
  });

  it("answers AD FS's own errors: an unregistered client id, a wrong password, and accepts DOMAIN\\user", async () => {
    const unknown = await passwordGrant({ client_id: "11111111-2222-3333-4444-555555555555" });
    expect(unknown.status).toBe(400);
    const unknownBody = await unknown.json();
    expect(unknownBody.error).toBe("invalid_client");
    expect(unknownBody.error_description).toMatch(/^MSIS9223: .*no registered client was found with this client identifier/);
    const wrong = await passwordGrant({ password: "not-it" });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: "invalid_grant", error_description: "MSIS9659: Invalid 'username' or 'password'." });
    expect((await passwordGrant({ username: "CONTOSO\\crmadmin" })).status).toBe(200);
  });

  it("Add-AdfsClient (the control API) registers a client that then gets tokens", async () => {
    const clientId = "0f0e0d0c-0b0a-4909-8807-060504030201";
    expect((await passwordGrant({ client_id: clientId })).status).toBe(400);
    const added = await fetch(`${sandbox.origin}/__emulator/adfs/clients`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId, name: "Act-On", redirectUri: "https://portal.example/adfs" }),
    });
    expect(added.status).toBe(201);
    expect((await passwordGrant({ client_id: clientId })).status).toBe(200);
  });
});
