/** Admin consent endpoints (contract §1.7): v2 with scope, legacy without; effects in the directory and redirects. */
import { describe, expect, it } from "vitest";
import { PORTAL_APP, SANDBOX_PASSWORD, SERVICE_PRINCIPALS, TENANTS } from "../scenarios/ids";
import { completeSignIn, FetchBrowser, type BrowserStep } from "../testing/fetch-browser";
import { useSandbox } from "@/test/support/sandbox";

const sb = useSandbox();
const REDIRECT = "http://localhost:3000/auth/callback";

function backToApp(step: BrowserStep) {
  if (step.kind !== "back-to-app") throw new Error(`expected redirect, got ${step.text.slice(0, 300)}`);
  return step;
}

describe("admin consent", () => {
  it("v2: materialises the SP and AllPrincipals grants for /.default, then redirects with admin_consent=True", async () => {
    const browser = new FetchBrowser(sb.origin);
    const url = `/contoso.onmicrosoft.com/v2.0/adminconsent?${new URLSearchParams({ client_id: PORTAL_APP.appId, scope: "https://graph.microsoft.com/.default", redirect_uri: REDIRECT, state: "a+b=" })}`;
    const consent = await completeSignIn(browser, await browser.go(url), { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    expect(consent.kind === "page" && consent.text).toContain("Accept for your organization");
    const back = backToApp(await completeSignIn(browser, consent, { username: "", password: "", consent: "accept" }));
    expect(back.params).toEqual({ admin_consent: "True", tenant: TENANTS.contoso, scope: "https://graph.microsoft.com/.default", state: "a+b=" });
    const state = await sb.control.getState();
    const sp = state.servicePrincipals.find((s) => s.tenantId === TENANTS.contoso && s.appId === PORTAL_APP.appId)!;
    const grant = state.oauth2PermissionGrants.find((g) => g.clientId === sp.id && g.resourceId === SERVICE_PRINCIPALS.contosoGraph)!;
    expect(grant.consentType).toBe("AllPrincipals");
    expect(grant.scope.split(" ")).toEqual(
      expect.arrayContaining(["Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "User.Read", "Policy.Read.All"]),
    );
  });

  it("v2: a non-admin gets an error redirect that still says admin_consent=True", async () => {
    const browser = new FetchBrowser(sb.origin);
    const url = `/organizations/v2.0/adminconsent?${new URLSearchParams({ client_id: PORTAL_APP.appId, scope: "https://graph.microsoft.com/.default", redirect_uri: REDIRECT, state: "s" })}`;
    const back = backToApp(
      await completeSignIn(browser, await browser.go(url), { username: "user@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD }),
    );
    expect(back.params).toMatchObject({ admin_consent: "True", error: "access_denied", state: "s" });
    expect(back.params.error_description).toMatch(/^AADSTS90094: /);
  });

  it("legacy: consents every required permission and reports cancel as permission_denied", async () => {
    const browser = new FetchBrowser(sb.origin);
    const url = `/common/adminconsent?${new URLSearchParams({ client_id: PORTAL_APP.appId, redirect_uri: REDIRECT, state: "12345" })}`;
    const consent = await completeSignIn(browser, await browser.go(url), { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    const cancelled = backToApp(await completeSignIn(browser, consent, { username: "", password: "", consent: "cancel" }));
    expect(cancelled.params).toEqual({ error: "permission_denied", error_description: "The admin canceled the request", state: "12345" });

    const again = await browser.go(url); // signed in already: straight to the consent page
    const back = backToApp(await completeSignIn(browser, again, { username: "", password: "", consent: "accept" }));
    expect(back.params).toEqual({ tenant: TENANTS.contoso, state: "12345", admin_consent: "True" });
    const state = await sb.control.getState();
    const sp = state.servicePrincipals.find((s) => s.tenantId === TENANTS.contoso && s.appId === PORTAL_APP.appId)!;
    const resources = state.oauth2PermissionGrants
      .filter((g) => g.clientId === sp.id)
      .map((g) => g.resourceId)
      .sort();
    expect(resources).toEqual([SERVICE_PRINCIPALS.contosoGraph, SERVICE_PRINCIPALS.contosoDataverse].sort());
  });

  it("shows unregistered redirect URIs and unknown apps on an error page instead of redirecting", async () => {
    const browser = new FetchBrowser(sb.origin);
    const bad = await browser.go(
      `/contoso.onmicrosoft.com/v2.0/adminconsent?${new URLSearchParams({ client_id: PORTAL_APP.appId, scope: "https://graph.microsoft.com/.default", redirect_uri: "https://evil.example.com/" })}`,
    );
    expect(bad.kind === "page" && bad.text).toContain("AADSTS50011");
    const unknown = await browser.go(`/contoso.onmicrosoft.com/adminconsent?client_id=99999999-0000-4000-8000-000000000000`);
    expect(unknown.kind === "page" && unknown.text).toContain("AADSTS700016");
  });
});
