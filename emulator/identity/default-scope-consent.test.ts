/**
 * `/.default` as Microsoft documents it: consenting through a `/.default` request grants every permission the app
 * registration lists, for every API in it; and a `/.default` token request is served with whatever was granted
 * (a permission added to the registration later needs a fresh consent, it does not break sign-in).
 */
import { describe, expect, it } from "vitest";
import { buildConsentedScenario, CONTOSO_PORTAL_SP } from "../scenarios/consented";
import { PORTAL_APP, SANDBOX_PASSWORD, SERVICE_PRINCIPALS, TENANTS } from "../scenarios/ids";
import { completeSignIn, FetchBrowser } from "../testing/fetch-browser";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken } from "../testing/raw-oauth";

const sb = useSandbox();
const ADMIN = "admin@contoso.onmicrosoft.com";

describe("/.default consent", () => {
  it("device-code consent for Graph's /.default also grants Dynamics user_impersonation the app registers", async () => {
    const res = await fetch(`${sb.origin}/organizations/oauth2/v2.0/devicecode`, {
      method: "POST",
      body: new URLSearchParams({ client_id: PORTAL_APP.appId, scope: "https://graph.microsoft.com/.default offline_access openid profile" }),
    });
    const dc = (await res.json()) as { device_code: string; user_code: string };
    const browser = new FetchBrowser(sb.origin);
    const entry = await browser.submit(await browser.go("/devicelogin"), { otc: dc.user_code }, "Next");
    await completeSignIn(browser, entry, { username: ADMIN, password: SANDBOX_PASSWORD, consent: "accept-for-organization" });

    const state = await sb.control.getState();
    const sp = state.servicePrincipals.find((s) => s.appId === PORTAL_APP.appId && s.tenantId === TENANTS.contoso)!;
    const grants = state.oauth2PermissionGrants.filter((g) => g.clientId === sp.id && g.consentType === "AllPrincipals");
    expect(grants.find((g) => g.resourceId === SERVICE_PRINCIPALS.contosoDataverse)?.scope).toBe("user_impersonation");
    expect(grants.find((g) => g.resourceId === SERVICE_PRINCIPALS.contosoGraph)?.scope.split(" ")).toEqual(
      expect.arrayContaining(["User.Read", "Application.ReadWrite.All"]),
    );

    const token = await postToken(sb.origin, "organizations", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: PORTAL_APP.appId,
      device_code: dc.device_code,
    });
    expect(token.status).toBe(200);
  });

  it("serves a /.default token with the granted permissions when the registration asks for more than was granted", async () => {
    const state = buildConsentedScenario();
    const graphGrant = state.oauth2PermissionGrants.find(
      (g) => g.clientId === CONTOSO_PORTAL_SP && g.resourceId === SERVICE_PRINCIPALS.contosoGraph,
    )!;
    graphGrant.scope = graphGrant.scope
      .split(" ")
      .filter((s) => s !== "Policy.Read.All")
      .join(" ");
    await sb.control.reset({ state });
    const ropc = (scope: string) =>
      postToken(sb.origin, TENANTS.contoso, {
        grant_type: "password",
        client_id: PORTAL_APP.appId,
        scope,
        username: ADMIN,
        password: SANDBOX_PASSWORD,
      });

    const ok = await ropc("https://graph.microsoft.com/.default openid profile offline_access");
    expect(ok.status).toBe(200);
    const scp = String(decodeJwt(String(ok.body.access_token)).scp).split(" ");
    expect(scp).toContain("User.Read");
    expect(scp).not.toContain("Policy.Read.All");

    const missing = await ropc("https://graph.microsoft.com/Policy.Read.All openid");
    expect(missing.status).toBe(400);
    expect(missing.body.error_codes).toEqual([65001]);
  });
});
