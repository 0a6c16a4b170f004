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

describe("log redaction", () => {
  it("catches secret-like words anywhere in a key name", () => {
    const out = redact({
      adminTokenCache: "cache-json",
      clientSecretText: "cst",
      newPassword: "np",
      plaintextValue: "pv",
      msalCache: "mc",
      idTokenClaims: { oid: "x" },
      nested: { integrationUserPassword: "iup", refreshTokenValue: "rtv" },
      connectionId: "keep-me",
    });
    const text = JSON.stringify(out);
    for (const leaked of ["cache-json", "cst", '"np"', '"pv"', '"mc"', "iup", "rtv", '"oid"']) expect(text).not.toContain(leaked);
    expect(out).toMatchObject({ connectionId: "keep-me" });
  });

  it("scrubs a PEM private key quoted in free text, whole or cut short", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    expect(redactText(`could not read ${pem} (bad)`)).toBe("could not read [redacted] (bad)");
    expect(redactText("-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkq")).toBe("[redacted]");
    expect(redactText("-----BEGIN CERTIFICATE-----\nMIIC")).toContain("MIIC");
  });

  it("scrubs client_secret inside JSON text", () => {
    const text = redactText('upstream said {"client_id":"abc","client_secret":"s3cr3t-val\\"ue","scope":"x"} and {"refresh_token": "rt-123"}');
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain("rt-123");
    expect(text).toContain('"client_id":"abc"');
  });

  it("scrubs Entra client secret values wherever they appear", () => {
    const value = "abc8Q~defghijklmnopqrstuvwxyz-_.~0123456"; // Microsoft Purview's example of the format
    const secret = "abc7Q~ZXCVbnmASDFghjklQWERtyuiop12345";
    expect(redactText(`the secret is ${value} ok`)).toBe("the secret is [redacted] ok");
    expect(redactText(`secretText=${secret}`)).not.toContain(secret);
    expect(JSON.stringify(redact({ message: `created ${secret}` }))).not.toContain(secret);
    // Ordinary identifiers are left alone.
    expect(redactText("request 33000000-0000-4000-8000-000000000001 for app Act-On~Integration")).toContain("33000000-0000-4000-8000-000000000001");
  });
});
