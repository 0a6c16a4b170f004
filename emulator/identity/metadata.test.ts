/** Contract tests of the identity platform's discovery documents (contract §1.2–1.4) and response envelope. */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TENANTS } from "../scenarios/ids";
import { useSandbox } from "@/test/support/sandbox";

const sb = useSandbox();
const getJson = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${sb.origin}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};

describe("OpenID configuration", () => {
  it("publishes the v2 document for a tenant domain with every URL and the issuer on the sandbox origin", async () => {
    const { status, headers, body } = await getJson("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration");
    expect(status).toBe(200);
    expect(headers.get("access-control-allow-origin")).toBe("*");
    const base = `${sb.origin}/${TENANTS.contoso}`;
    expect(body).toMatchObject({
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      tenant_region_scope: "WW",
      cloud_instance_name: "microsoftonline.com",
    });
  });

  it("uses the {tenantid} placeholder issuer on common and organizations", async () => {
    for (const alias of ["common", "organizations"]) {
      const { body } = await getJson(`/${alias}/v2.0/.well-known/openid-configuration`);
      expect(body.issuer).toBe(`${sb.origin}/{tenantid}/v2.0`);
      expect(body.token_endpoint).toBe(`${sb.origin}/${alias}/oauth2/v2.0/token`);
      expect(body.tenant_region_scope).toBeNull();
    }
  });

  it("publishes the v1 document with the sts.windows.net issuer of v1 access tokens", async () => {
    const { body } = await getJson(`/${TENANTS.contoso}/.well-known/openid-configuration`);
    expect(body.issuer).toBe(`https://sts.windows.net/${TENANTS.contoso}/`);
    expect(body.jwks_uri).toBe(`${sb.origin}/${TENANTS.contoso}/discovery/keys`);
  });

  it("answers an unknown tenant with 400 invalid_tenant AADSTS90002", async () => {
    const { status, body } = await getJson("/northwind.onmicrosoft.com/v2.0/.well-known/openid-configuration");
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_tenant", error_codes: [90002] });
    expect(body.error_description).toMatch(/^AADSTS90002: Tenant 'northwind.onmicrosoft.com' not found\./);
  });
});

describe("JWKS and instance discovery", () => {
  it("publishes one RS256 signing key in Entra's JWK shape on both key URLs", async () => {
    const v2 = await getJson("/common/discovery/v2.0/keys");
    const keys = v2.body.keys as Record<string, unknown>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "RSA", use: "sig", e: "AQAB", issuer: `${sb.origin}/{tenantid}/v2.0` });
    expect(keys[0].kid).toBe(keys[0].x5t);
    expect(String(keys[0].n).length).toBeGreaterThan(300);
    const v1 = await getJson(`/${TENANTS.contoso}/discovery/keys`);
    expect((v1.body.keys as Record<string, unknown>[])[0].kid).toBe(keys[0].kid);
  });

  it("answers instance discovery with the sandbox host as its own cloud", async () => {
    const authorize = `${sb.origin}/${TENANTS.contoso}/oauth2/v2.0/authorize`;
    const { body } = await getJson(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(authorize)}`);
    expect(body.tenant_discovery_endpoint).toBe(`${sb.origin}/${TENANTS.contoso}/v2.0/.well-known/openid-configuration`);
    expect(body["api-version"]).toBe("1.1");
    expect((body.metadata as { aliases: string[] }[])[0].aliases).toEqual([sb.host]);
  });
});

describe("envelope", () => {
  it("answers CORS preflights on identity endpoints for browser-side MSAL", async () => {
    const res = await fetch(`${sb.origin}/common/oauth2/v2.0/token`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("echoes client-request-id and sets x-ms-request-id on identity responses", async () => {
    const { headers } = await getJson("/common/v2.0/.well-known/openid-configuration", { "client-request-id": "abc-123" });
    expect(headers.get("client-request-id")).toBe("abc-123");
    expect(headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("serves a certificate for localhost signed by the sandbox CA", async () => {
    const certs = sb.sandbox.certificates;
    const leaf = new X509Certificate(readFileSync(certs.serverCert));
    const ca = new X509Certificate(readFileSync(certs.caCert));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost("localhost")).toBe("localhost");
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkIP("::1")).toBe("::1");
    expect(ca.ca).toBe(true);
    const bundle = readFileSync(certs.caBundle, "utf8");
    expect(bundle).toContain(readFileSync(certs.caCert, "utf8").trim());
    expect((bundle.match(/BEGIN CERTIFICATE/g) ?? []).length).toBeGreaterThan(1); // the system roots stay
  });
});
