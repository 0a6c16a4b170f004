import { describe, expect, it } from "vitest";
import { isAllowedDynamicsUrl, normalizeDynamicsUrl } from "./dynamics-url";

const allowed = ["*.dynamics.com", "localhost:4443"];

describe("isAllowedDynamicsUrl", () => {
  it.each([
    ["https://contoso.crm.dynamics.com", "https://contoso.crm.dynamics.com"],
    ["https://Contoso.CRM4.Dynamics.com/", "https://contoso.crm4.dynamics.com"],
    ["https://contoso.api.crm.dynamics.com", "https://contoso.api.crm.dynamics.com"],
    ["https://localhost:4443/dynamics/contoso-sales/", "https://localhost:4443/dynamics/contoso-sales"],
    ["  https://org.crm.dynamics.com  ", "https://org.crm.dynamics.com"],
  ])("accepts %s as %s", (url, normalised) => {
    expect(normalizeDynamicsUrl(url, allowed)).toEqual({ ok: true, value: normalised });
  });

  it.each([
    ["a path trick", "https://evil.com/.dynamics.com"],
    ["a suffix trick", "https://x.dynamics.com.evil.com"],
    ["a look-alike", "https://xdynamics.com"],
    ["the bare domain", "https://dynamics.com"],
    ["user info", "https://user@x.crm.dynamics.com"],
    ["user and password", "https://user:pw@x.crm.dynamics.com"],
    ["plain http", "http://x.crm.dynamics.com"],
    ["an IPv4 literal", "https://127.0.0.1"],
    ["an IPv6 literal", "https://[::1]:4443/dynamics/x"],
    ["a query", "https://x.crm.dynamics.com/?a=1"],
    ["an empty query", "https://x.crm.dynamics.com/?"],
    ["a fragment", "https://x.crm.dynamics.com/#x"],
    ["another port", "https://x.crm.dynamics.com:8443"],
    ["localhost on another port", "https://localhost:4444/dynamics/x"],
    ["localhost without port", "https://localhost/dynamics/x"],
    ["a trailing-dot host", "https://x.crm.dynamics.com."],
    ["an encoded slash", "https://localhost:4443/dynamics%2fx"],
    ["a backslash", "https://localhost:4443\\@evil.com"],
    ["not a URL", "contoso.crm.dynamics.com"],
    ["javascript", "javascript:alert(1)"],
  ])("rejects %s (%s)", (_why, url) => {
    expect(isAllowedDynamicsUrl(url, allowed)).toBe(false);
  });

  it("answers with environment_not_allowed", () => {
    const result = normalizeDynamicsUrl("https://evil.com", allowed);
    expect(result).toMatchObject({ ok: false, error: { code: "environment_not_allowed", retryable: false } });
  });

  it("allows nothing with an empty list", () => {
    expect(isAllowedDynamicsUrl("https://x.crm.dynamics.com", [])).toBe(false);
  });
});
