import { describe, expect, it } from "vitest";
import { classifyOnPremisesSignIn, parseDomainAccount, parseWwwAuthenticate } from "./www-authenticate";

describe("parseWwwAuthenticate", () => {
  it("reads IIS's two headers, and the same joined with a comma as fetch joins them", () => {
    const expected = [
      { scheme: "Negotiate", token68: null, params: {} },
      { scheme: "NTLM", token68: null, params: {} },
    ];
    expect(parseWwwAuthenticate(["Negotiate", "NTLM"])).toEqual(expected);
    expect(parseWwwAuthenticate("Negotiate, NTLM")).toEqual(expected);
  });

  it("reads an NTLM challenge message as token68, padding included", () => {
    expect(parseWwwAuthenticate("NTLM TlRMTVNTUAACAAAADAAMADgAAAA=")).toEqual([
      { scheme: "NTLM", token68: "TlRMTVNTUAACAAAADAAMADgAAAA=", params: {} },
    ]);
  });

  it("reads a Bearer challenge's parameters, quoted or not, with names case-insensitive", () => {
    const [bearer] = parseWwwAuthenticate(
      'Bearer authorization_uri=https://adfs.contoso.com/adfs/oauth2/authorize, Resource_ID="https://crm.contoso.com/"',
    );
    expect(bearer).toEqual({
      scheme: "Bearer",
      token68: null,
      params: { authorization_uri: "https://adfs.contoso.com/adfs/oauth2/authorize", resource_id: "https://crm.contoso.com/" },
    });
  });

  it("keeps commas inside quoted strings and separates challenges after parameters", () => {
    expect(parseWwwAuthenticate('Basic realm="a, b", charset="UTF-8", NTLM')).toEqual([
      { scheme: "Basic", token68: null, params: { realm: "a, b", charset: "UTF-8" } },
      { scheme: "NTLM", token68: null, params: {} },
    ]);
  });

  it("answers nothing for a missing header", () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
  });
});

describe("classifyOnPremisesSignIn", () => {
  const classify = (h: string | string[]) => classifyOnPremisesSignIn(parseWwwAuthenticate(h));
  it("Windows sign-in when NTLM is offered (with or without Negotiate)", () => {
    expect(classify(["Negotiate", "NTLM"])).toEqual({ kind: "ntlm" });
    expect(classify("NTLM")).toEqual({ kind: "ntlm" });
  });
  it("Kerberos only when Negotiate comes without NTLM", () => {
    expect(classify("Negotiate")).toEqual({ kind: "kerberos_only" });
  });
  it("AD FS when a Bearer challenge names an https authorize endpoint and a resource", () => {
    expect(classify("Bearer authorization_uri=https://sts.contoso.com/adfs/oauth2/authorize, resource_id=https://crm.contoso.com/")).toEqual({
      kind: "adfs",
      authorizationUri: "https://sts.contoso.com/adfs/oauth2/authorize",
      resourceId: "https://crm.contoso.com/",
    });
    // Without the resource, or over http, it is not something the portal can follow.
    expect(classify("Bearer authorization_uri=https://sts.contoso.com/adfs/oauth2/authorize").kind).toBe("unknown");
    expect(classify("Bearer authorization_uri=http://sts.contoso.com/adfs/oauth2/authorize, resource_id=x").kind).toBe("unknown");
  });
  it("Basic only, and anything else by its schemes", () => {
    expect(classify('Basic realm="crm"')).toEqual({ kind: "basic_only" });
    expect(classify("Digest realm=x")).toEqual({ kind: "unknown", schemes: ["Digest"] });
  });
});

describe("parseDomainAccount", () => {
  it("splits DOMAIN\\user and keeps user@domain whole with no domain", () => {
    expect(parseDomainAccount("CONTOSO\\crmadmin")).toEqual({ user: "crmadmin", domain: "CONTOSO" });
    expect(parseDomainAccount(" crmadmin@contoso.local ")).toEqual({ user: "crmadmin@contoso.local", domain: "" });
  });
  it("refuses anything else", () => {
    for (const bad of ["crmadmin", "CONTOSO\\", "\\crmadmin", "a\\b\\c", "crm admin@contoso.local", "crmadmin@contoso", ""])
      expect(parseDomainAccount(bad), bad).toBeNull();
  });
});
