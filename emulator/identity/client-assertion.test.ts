/**
 * Certificate credentials at the token endpoint (Microsoft's "certificate credentials" page): a certificate is
 * PATCHed into an app through Graph, then clients we did not write (@azure/msal-node's ConfidentialClientApplication
 * with `clientCertificate`, @azure/identity's ClientCertificateCredential) get client-credentials tokens with a
 * signed assertion. Every refusal is asserted with its AADSTS code and HTTP status.
 */
import { X509Certificate } from "node:crypto";
import { ClientCertificateCredential } from "@azure/identity";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { importPKCS8, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { certificateThumbprints, createCertificateCredential, type CertificateCredential } from "@/lib/microsoft/certificate-credential";
import { buildClientAssertion } from "@/lib/microsoft/client-assertion";
import { getState } from "../core/store";
import { TENANTS } from "../scenarios/ids";
import { buildContractScenario, DAEMON_CLIENT } from "../testing/contract-clients";
import { appToken } from "../testing/contract-tokens";
import { decodeJwt, postToken } from "../testing/raw-oauth";

const sb = useSandbox({ scenario: buildContractScenario });
const silentLogger = { loggerCallback: () => undefined, piiLoggingEnabled: false };
const GRAPH = "https://graph.microsoft.com";
const DAY = 24 * 3600 * 1000;
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// Key generation is the slow part: one certificate for the happy paths, one never uploaded, one already expired.
const current = await createCertificateCredential({
  commonName: "Daemon",
  notBefore: new Date(Date.now() - DAY),
  notAfter: new Date(Date.now() + 365 * DAY),
});
const stranger = await createCertificateCredential({
  commonName: "Stranger",
  notBefore: new Date(Date.now() - DAY),
  notAfter: new Date(Date.now() + 365 * DAY),
});
const expired = await createCertificateCredential({
  commonName: "Old",
  notBefore: new Date(Date.now() - 400 * DAY),
  notAfter: new Date(Date.now() - DAY),
});

const tokenEndpoint = () => `${sb.origin}/${TENANTS.contoso}/oauth2/v2.0/token`;

/** PATCHes `keyCredentials` of the daemon app with the daemon's own Graph token (it holds Application.ReadWrite.All). */
async function uploadCertificates(certs: CertificateCredential[], extra: Record<string, unknown> = {}): Promise<Response> {
  const token = await appToken(sb.origin, DAEMON_CLIENT, GRAPH);
  return fetch(`${sb.origin}/graph/v1.0/applications/${DAEMON_CLIENT.objectId}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      keyCredentials: certs.map((c) => ({ type: "AsymmetricX509Cert", usage: "Verify", key: c.certificateDer.toString("base64"), ...extra })),
    }),
  });
}

function assertionForm(assertion: string, extra: Record<string, string> = {}) {
  return {
    grant_type: "client_credentials",
    client_id: DAEMON_CLIENT.appId,
    scope: `${GRAPH}/.default`,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    ...extra,
  };
}

/** A hand-made assertion (PS256 by default) for the claims Microsoft refuses. */
async function assertion(o: {
  signer?: CertificateCredential;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  alg?: string;
}): Promise<string> {
  const alg = o.alg ?? "PS256";
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: tokenEndpoint(),
    iss: DAEMON_CLIENT.appId,
    sub: DAEMON_CLIENT.appId,
    jti: crypto.randomUUID(),
    nbf: now,
    exp: now + 300,
    ...o.claims,
  })
    .setProtectedHeader({ alg, typ: "JWT", "x5t#S256": certificateThumbprints(current.certificateDer).x5tS256, ...o.header })
    .sign(await importPKCS8((o.signer ?? current).privateKeyPem, alg));
}

async function refusal(jwt: string, extra: Record<string, string> = {}) {
  const res = await postToken(sb.origin, TENANTS.contoso, assertionForm(jwt, extra));
  return { status: res.status, error: res.body.error, code: (res.body.error_codes as number[])[0], description: String(res.body.error_description) };
}

describe("client_assertion with an uploaded certificate", () => {
  it("issues an app-only token to msal-node's ConfidentialClientApplication with clientCertificate (x5t#S256, PS256)", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: DAEMON_CLIENT.appId,
        authority: `${sb.origin}/${TENANTS.contoso}`,
        knownAuthorities: [sb.host],
        clientCertificate: {
          // MSAL takes the thumbprint in hex and encodes it into x5t#S256 itself.
          thumbprintSha256: new X509Certificate(current.certificateDer).fingerprint256.replace(/:/g, ""),
          privateKey: current.privateKeyPem,
          x5c: current.certificatePem,
        },
      },
      system: { loggerOptions: silentLogger },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [`${GRAPH}/.default`] });
    expect(decodeJwt(result!.accessToken)).toMatchObject({ aud: GRAPH, appid: DAEMON_CLIENT.appId, roles: ["Application.ReadWrite.All"] });
  });

  it("issues a token to @azure/identity's ClientCertificateCredential", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const credential = new ClientCertificateCredential(
      TENANTS.contoso,
      DAEMON_CLIENT.appId,
      { certificate: `${current.certificatePem}\n${current.privateKeyPem}` },
      { authorityHost: sb.origin, disableInstanceDiscovery: true },
    );
    const token = await credential.getToken(`${GRAPH}/.default`);
    expect(decodeJwt(token.token)).toMatchObject({ aud: GRAPH, appid: DAEMON_CLIENT.appId });
  });

  it("accepts the portal's own assertion, the legacy SHA-1 x5t with RS256, and the token endpoint addressed by domain", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const portal = await buildClientAssertion({
      clientId: DAEMON_CLIENT.appId,
      tokenEndpoint: tokenEndpoint(),
      privateKeyPem: current.privateKeyPem,
      certificateDer: current.certificateDer,
      now: new Date(),
    });
    expect((await postToken(sb.origin, TENANTS.contoso, assertionForm(portal))).status).toBe(200);
    const legacy = await assertion({ alg: "RS256", header: { "x5t#S256": undefined, x5t: certificateThumbprints(current.certificateDer).x5t } });
    expect((await postToken(sb.origin, TENANTS.contoso, assertionForm(legacy))).status).toBe(200);
    const byDomain = await assertion({ claims: { aud: `${sb.origin}/contoso.onmicrosoft.com/oauth2/v2.0/token` } });
    expect((await postToken(sb.origin, "contoso.onmicrosoft.com", assertionForm(byDomain))).status).toBe(200);
  });
});

describe("client_assertion refusals", () => {
  it("AADSTS700027 for a certificate the app does not hold, naming its thumbprint", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const thumb = certificateThumbprints(stranger.certificateDer);
    const r = await refusal(await assertion({ signer: stranger, header: { "x5t#S256": thumb.x5tS256 } }));
    expect(r).toMatchObject({ status: 401, error: "invalid_client", code: 700027 });
    expect(r.description).toContain("The key was not found.");
    expect(r.description).toContain(Buffer.from(thumb.x5tS256, "base64url").toString("hex").toUpperCase());
  });

  it("AADSTS700027 for a signature the named certificate did not make", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const r = await refusal(await assertion({ signer: stranger }));
    expect(r).toMatchObject({ status: 401, error: "invalid_client", code: 700027 });
    expect(r.description).toContain("did not match the expected signature value");
  });

  it("AADSTS700027 for a key credential past its end date", async () => {
    expect((await uploadCertificates([expired])).status).toBe(204);
    const r = await refusal(await assertion({ signer: expired, header: { "x5t#S256": certificateThumbprints(expired.certificateDer).x5tS256 } }));
    expect(r).toMatchObject({ status: 401, code: 700027 });
    expect(r.description).toContain("The key used is expired.");
  });

  it("AADSTS700027 for a key that is still replicating, then a token once it has", async () => {
    await sb.control.setSettings({ replicationLagMs: 60_000 });
    expect((await uploadCertificates([current])).status).toBe(204);
    expect((await refusal(await assertion({}))).code).toBe(700027);
    const key = getState().applications.find((a) => a.id === DAEMON_CLIENT.objectId)!.keyCredentials![0];
    key.addedDateTime = new Date(Date.now() - 61_000).toISOString();
    expect((await postToken(sb.origin, TENANTS.contoso, assertionForm(await assertion({})))).status).toBe(200);
  });

  it("AADSTS700023 for an audience other than the tenant's token endpoint", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    for (const aud of [`${sb.origin}/${TENANTS.fabrikam}/oauth2/v2.0/token`, "https://graph.microsoft.com"]) {
      expect(await refusal(await assertion({ claims: { aud } }))).toMatchObject({ status: 401, error: "invalid_client", code: 700023 });
    }
  });

  it("AADSTS700021 when iss or sub is not the client id", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    expect((await refusal(await assertion({ claims: { iss: DAEMON_CLIENT.objectId } }))).code).toBe(700021);
    expect((await refusal(await assertion({ claims: { sub: "someone" } }))).code).toBe(700021);
  });

  it("AADSTS700024 for an assertion outside its validity window", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const now = Math.floor(Date.now() / 1000);
    const past = await refusal(await assertion({ claims: { nbf: now - 3600, exp: now - 1200 } }));
    expect(past).toMatchObject({ status: 401, error: "invalid_client", code: 700024 });
    expect(past.description).toContain("Client assertion is not within its valid time range.");
    expect((await refusal(await assertion({ claims: { nbf: now + 1200, exp: now + 1500 } }))).code).toBe(700024);
  });

  it("refuses a secret and an assertion together, a malformed assertion and a missing assertion type", async () => {
    expect((await uploadCertificates([current])).status).toBe(204);
    const jwt = await assertion({});
    expect(await refusal(jwt, { client_secret: DAEMON_CLIENT.secret })).toMatchObject({ status: 400, error: "invalid_request", code: 90023 });
    expect(await refusal("not-a-jwt")).toMatchObject({ status: 400, code: 50027 });
    expect(await refusal(jwt, { client_assertion_type: "" })).toMatchObject({ status: 400, code: 900144 });
    expect(await refusal(jwt, { client_assertion_type: "urn:other" })).toMatchObject({ status: 400, code: 90023 });
  });
});
