import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, describe, expect, it, vi } from "vitest";

const PORTAL_CLIENT_ID = "31000000-0000-4000-8000-000000000001";
const CONTOSO = "10000000-0000-4000-8000-000000000001";

/** The approval links the notice renders (the textarea's and the anchor's), as URLs. */
function consentLinks(html: string): URL[] {
  return [...html.matchAll(/href="([^"]+)"|<textarea[^>]*>([^<]+)<\/textarea>/g)].map((m) => new URL((m[1] ?? m[2]).replaceAll("&amp;", "&")));
}

describe("the consent_required notice's approval link", () => {
  let SignInNotice: typeof import("./sign-in-notice").SignInNotice;
  beforeAll(async () => {
    // getEnv() reads the environment once, on first use.
    vi.stubEnv("PORTAL_CLIENT_ID", PORTAL_CLIENT_ID);
    vi.stubEnv("MICROSOFT_AUTHORITY_HOST", "https://login.microsoftonline.com");
    ({ SignInNotice } = await import("./sign-in-notice"));
  });

  it("goes to the connection's tenant when it is known", () => {
    const links = consentLinks(renderToStaticMarkup(createElement(SignInNotice, { outcome: "consent_required", tenant: CONTOSO })));
    expect(links).toHaveLength(2);
    for (const url of links) {
      expect(`${url.origin}${url.pathname}`).toBe(`https://login.microsoftonline.com/${CONTOSO}/v2.0/adminconsent`);
      expect(url.searchParams.get("client_id")).toBe(PORTAL_CLIENT_ID);
    }
  });

  it("stays at organizations when the tenant is not known yet", () => {
    for (const tenant of [undefined, null]) {
      const links = consentLinks(renderToStaticMarkup(createElement(SignInNotice, { outcome: "consent_required", tenant })));
      expect(links.map((u) => u.pathname)).toEqual(["/organizations/v2.0/adminconsent", "/organizations/v2.0/adminconsent"]);
    }
  });
});
