import { describe, expect, it } from "vitest";
import { guardPublicAddress } from "../core/net/public-address-guard";
import { isMicrosoftError } from "./errors";
import { discoverOnPremisesSignIn, unsupportedSignIn, verifyOnPremisesSignIn, type OnPremisesServer } from "./on-premises-sign-in";
import { ADFS_REGISTERED_CLIENT, callLog, ENVIRONMENTS, SANDBOX_PASSWORD, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";

const fx = useMicrosoftSandbox();

async function server(urlName: string, recorder = callLog()): Promise<OnPremisesServer> {
  const allowedPrivateHosts = [fx.host.split(":")[0]];
  const guarded = await guardPublicAddress(fx.environmentUrl(urlName), { allowedPrivateHosts });
  if (!guarded.ok) throw new Error(guarded.error.userMessage);
  return { environmentUrl: guarded.value.url, target: guarded.value, allowedPrivateHosts, recorder, retry: { maxAttempts: 1 } };
}

describe("discovering how an on-premises server signs in", () => {
  it("the Windows org asks for NTLM, the IFD org names its AD FS and the org as the resource", async () => {
    expect(await discoverOnPremisesSignIn(await server(ENVIRONMENTS.contosoOnPrem.urlName))).toEqual({ kind: "ntlm" });
    const ifd = await discoverOnPremisesSignIn(await server(ENVIRONMENTS.contosoIfd.urlName));
    expect(ifd).toEqual({
      kind: "adfs",
      authorizationUri: `${fx.origin}/adfs/oauth2/authorize`,
      resourceId: `${fx.environmentUrl(ENVIRONMENTS.contosoIfd.urlName)}/`,
    });
  });

  it("says in words what a cloud portal cannot do: a Kerberos-only server is refused before any credential is sent", async () => {
    const state = await fx.control.getState();
    state.environments.find((e) => e.urlName === ENVIRONMENTS.contosoOnPrem.urlName)!.kerberosOnly = true;
    await fx.control.reset({ state });
    const s = await server(ENVIRONMENTS.contosoOnPrem.urlName);
    expect(await discoverOnPremisesSignIn(s)).toEqual({ kind: "kerberos_only" });
    const since = new Date();
    const e = await verifyOnPremisesSignIn(s, { username: "CONTOSO\\crmadmin", password: SANDBOX_PASSWORD }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "invalid_input")).toBe(true);
    if (isMicrosoftError(e)) expect(e.appError.userMessage).toMatch(/only Kerberos.*joined to your domain/);
    expect((await fx.control.getRequests(since)).map((r) => r.authorization)).toEqual([false]);
    expect(unsupportedSignIn({ kind: "ntlm" })).toBeNull();
  });
});

describe("Windows sign-in (NTLMv2 on one pinned connection)", () => {
  it("signs in as DOMAIN\\user and as user@domain, falling back from 9.2 to the server's 9.1", async () => {
    for (const username of ["CONTOSO\\crmadmin", "crmadmin@contoso.local"]) {
      const log = callLog();
      const verified = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoOnPrem.urlName, log), { username, password: SANDBOX_PASSWORD });
      expect(verified).toMatchObject({ signIn: "ntlm", apiVersion: "9.1", me: { organizationId: ENVIRONMENTS.contosoOnPrem.id } });
      expect(log.calls.map((c) => `${c.status} ${c.path}`)).toEqual([
        "401 /dynamics/contoso-onprem/api/data/v9.2/WhoAmI", // discovery
        "401 /dynamics/contoso-onprem/api/data/v9.2/WhoAmI", // NEGOTIATE → CHALLENGE
        "404 /dynamics/contoso-onprem/api/data/v9.2/WhoAmI", // AUTHENTICATE: signed in, no 9.2
        "200 /dynamics/contoso-onprem/api/data/v9.1/WhoAmI", // on the signed-in connection, no header
      ]);
    }
  });

  it("goes straight to the stored version, and a wrong password is invalid_credentials without echoing it", async () => {
    const log = callLog();
    const verified = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoOnPrem.urlName, log), {
      username: "CONTOSO\\crmadmin",
      password: SANDBOX_PASSWORD,
      apiVersion: "9.1",
    });
    expect(verified.apiVersion).toBe("9.1");
    expect(log.calls.filter((c) => c.path.includes("v9.2")).map((c) => c.status)).toEqual([401]); // discovery only
    const e = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoOnPrem.urlName), {
      username: "CONTOSO\\crmadmin",
      password: "n0t-it",
    }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "invalid_credentials")).toBe(true);
    if (!isMicrosoftError(e)) return;
    expect(e.appError.userMessage).toContain("did not accept that user name and password");
    expect(JSON.stringify([e.message, e.appError])).not.toContain("n0t-it");
  });

  it("refuses a user name that is neither DOMAIN\\user nor user@domain before sending anything", async () => {
    const log = callLog();
    const e = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoOnPrem.urlName, log), {
      username: "crmadmin",
      password: SANDBOX_PASSWORD,
    }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "invalid_input")).toBe(true);
    expect(log.calls).toHaveLength(1); // discovery, without credentials
  });
});

describe("AD FS sign-in (IFD)", () => {
  it("gets a token from the named AD FS for the registered client and finds the org's Web API 9.0", async () => {
    const log = callLog();
    const verified = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoIfd.urlName, log), {
      username: "crmadmin@contoso.local",
      password: SANDBOX_PASSWORD,
      adfsClientId: ADFS_REGISTERED_CLIENT.clientId,
    });
    expect(verified).toMatchObject({ signIn: "adfs", apiVersion: "9.0", me: { organizationId: ENVIRONMENTS.contosoIfd.id } });
    expect(log.calls.map((c) => `${c.method} ${c.status} ${c.path}`)).toEqual([
      "GET 401 /dynamics/contoso-ifd/api/data/v9.2/WhoAmI",
      "GET 200 /adfs/.well-known/openid-configuration",
      "POST 200 /adfs/oauth2/token/",
      "GET 404 /dynamics/contoso-ifd/api/data/v9.2/WhoAmI",
      "GET 404 /dynamics/contoso-ifd/api/data/v9.1/WhoAmI",
      "GET 200 /dynamics/contoso-ifd/api/data/v9.0/WhoAmI",
    ]);
  });

  it("an unregistered client id says to run Add-AdfsClient; a wrong password is invalid_credentials", async () => {
    const unknown = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoIfd.urlName), {
      username: "crmadmin@contoso.local",
      password: SANDBOX_PASSWORD,
      adfsClientId: "11111111-2222-3333-4444-555555555555",
    }).catch((x: unknown) => x);
    expect(isMicrosoftError(unknown, "invalid_input")).toBe(true);
    if (isMicrosoftError(unknown)) expect(unknown.appError.userMessage).toContain("Add-AdfsClient");
    const wrong = await verifyOnPremisesSignIn(await server(ENVIRONMENTS.contosoIfd.urlName), {
      username: "crmadmin@contoso.local",
      password: "n0t-it",
      adfsClientId: ADFS_REGISTERED_CLIENT.clientId,
    }).catch((x: unknown) => x);
    expect(isMicrosoftError(wrong, "invalid_credentials")).toBe(true);
    expect(JSON.stringify(wrong)).not.toContain("n0t-it");
  });

  it("sends no password when the AD FS host is not an allowed address", async () => {
    const s = await server(ENVIRONMENTS.contosoIfd.urlName);
    const log = callLog();
    // The server's own host allowed, but the AD FS host check runs with no private host allowed.
    const e = await verifyOnPremisesSignIn(
      { ...s, allowedPrivateHosts: [], recorder: log },
      {
        username: "crmadmin@contoso.local",
        password: SANDBOX_PASSWORD,
        adfsClientId: ADFS_REGISTERED_CLIENT.clientId,
      },
    ).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "environment_not_allowed")).toBe(true);
    expect(log.calls.map((c) => c.path)).toEqual(["/dynamics/contoso-ifd/api/data/v9.2/WhoAmI"]);
  });
});
