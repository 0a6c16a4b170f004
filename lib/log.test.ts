import { describe, expect, it } from "vitest";
import { redact, redactText } from "./log";

describe("log redaction", () => {
  it("replaces secret-bearing keys at any depth", () => {
    const out = redact({
      clientId: "abc",
      client_secret: "shh",
      nested: { headers: { Authorization: "Bearer aaaaaaaaaaaa" }, list: [{ password: "p", refresh_token: "r" }] },
      secretText: "t",
    });
    expect(JSON.stringify(out)).not.toMatch(/shh|aaaaaaaaaaaa|"p"|"r"|"t"/);
    expect(out).toMatchObject({ clientId: "abc", client_secret: "[redacted]" });
  });

  it("scrubs JWTs, bearer credentials and form-encoded secrets inside text", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
    const text = redactText(`token ${jwt} header Basic dXNlcjpwYXNzd29yZA== body client_secret=abc123&x=1`);
    expect(text).not.toContain(jwt);
    expect(text).not.toContain("dXNlcjpwYXNzd29yZA==");
    expect(text).not.toContain("abc123");
    expect(text).toContain("client_secret=[redacted]&x=1");
  });
});
