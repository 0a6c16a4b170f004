/**
 * Certificate credentials through Graph: PATCH `keyCredentials` (the whole collection, validated as Graph does),
 * their view (`customKeyIdentifier` = SHA-1 thumbprint, `key` only on `$select`), and `addKey`/`removeKey` with a
 * proof of possession (Graph's "application: addKey" and "removeKey" pages). Refusals leave the app unchanged.
 */
import { X509Certificate } from "node:crypto";
import { importPKCS8, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { createCertificateCredential, type CertificateCredential } from "@/lib/microsoft/certificate-credential";
import { buildClientAssertion, buildProofOfPossession } from "@/lib/microsoft/client-assertion";
import type { KeyCredential, SandboxState } from "../core/state";
import { getState } from "../core/store";
import { TENANTS } from "../scenarios/ids";
import { buildContractScenario, DAEMON_CLIENT } from "../testing/contract-clients";
import { contosoApplicationDefaults } from "../testing/contoso-application";
import { appToken } from "../testing/contract-tokens";
import { postToken } from "../testing/raw-oauth";
import { readKeyCredential } from "./key-credentials";

const DAY = 24 * 3600 * 1000;
const GRAPH = "https://graph.microsoft.com";
const certificate = (cn: string, fromDays: number, toDays: number) =>
  createCertificateCredential({ commonName: cn, notBefore: new Date(Date.now() + fromDays * DAY), notAfter: new Date(Date.now() + toDays * DAY) });
const first = await certificate("Roller one", -30, 335);
const second = await certificate("Roller two", -1, 364);
const stranger = await certificate("Stranger", -1, 364);

/** An app with one certificate and no Graph permission at all: it may still roll its own keys. */
const ROLLER = {
  appId: "31000000-0000-4000-8000-0000000000b1",
  objectId: "30000000-0000-4000-8000-0000000000b1",
  spId: "40000000-0000-4000-8000-0000000000b1",
};

function seededKey(c: CertificateCredential): KeyCredential {
  const key = readKeyCredential({ type: "AsymmetricX509Cert", usage: "Verify", key: c.certificateDer.toString("base64") });
  if ("code" in key) throw new Error(key.message);
  return { ...key, addedDateTime: undefined };
}

function scenario(): SandboxState {
  const state = buildContractScenario();
  state.applications.push({
    id: ROLLER.objectId,
    appId: ROLLER.appId,
    ...contosoApplicationDefaults(),
    displayName: "Key roller",
    passwordCredentials: [],
    keyCredentials: [seededKey(first)],
    createdDateTime: "2024-01-01T00:00:00Z",
  });
  state.servicePrincipals.push({
    id: ROLLER.spId,
    appId: ROLLER.appId,
    tenantId: TENANTS.contoso,
    displayName: "Key roller",
    appOwnerOrganizationId: TENANTS.contoso,
    servicePrincipalNames: [ROLLER.appId],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: "2024-01-01T00:00:00Z",
  });
  return state;
}

const sb = useSandbox({ scenario });
const roller = () => getState().applications.find((a) => a.id === ROLLER.objectId)!;

/** The roller's own app-only Graph token, obtained with a client assertion signed by `signer`. */
async function rollerToken(signer: CertificateCredential = first): Promise<string> {
  const tokenEndpoint = `${sb.origin}/${TENANTS.contoso}/oauth2/v2.0/token`;
  const jwt = await buildClientAssertion({
    clientId: ROLLER.appId,
    tokenEndpoint,
    privateKeyPem: signer.privateKeyPem,
    certificateDer: signer.certificateDer,
    now: new Date(),
  });
  const res = await postToken(sb.origin, TENANTS.contoso, {
    grant_type: "client_credentials",
    client_id: ROLLER.appId,
    scope: `${GRAPH}/.default`,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: jwt,
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

/** The parts of Graph's answers these tests read. */
type KeyView = Record<string, unknown>;
type GraphBody = {
  error: { code: string; message: string };
  keyCredentials: KeyView[];
  value: { keyCredentials: KeyView[] }[];
  keyId?: string;
} & KeyView;

async function graph(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.origin}/graph/v1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as GraphBody };
}

const upload = (c: CertificateCredential, extra: Record<string, unknown> = {}) => ({
  type: "AsymmetricX509Cert",
  usage: "Verify",
  key: c.certificateDer.toString("base64"),
  ...extra,
});
const proof = (signer: CertificateCredential = first, now = new Date()) =>
  buildProofOfPossession({ applicationObjectId: ROLLER.objectId, privateKeyPem: signer.privateKeyPem, certificateDer: signer.certificateDer, now });
async function handMadeProof(claims: Record<string, unknown>, signer: CertificateCredential = first): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ aud: "00000002-0000-0000-c000-000000000000", iss: ROLLER.objectId, nbf: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .sign(await importPKCS8(signer.privateKeyPem, "RS256"));
}

describe("keyCredentials on PATCH and GET", () => {
  it("stores the certificate with Graph's view: SHA-1 thumbprint, dates from the certificate, key only on $select", async () => {
    const admin = await appToken(sb.origin, DAEMON_CLIENT, GRAPH);
    expect(
      (await graph(admin, "PATCH", `/applications/${ROLLER.objectId}`, { keyCredentials: [upload(second, { displayName: "second" })] })).status,
    ).toBe(204);
    const x509 = new X509Certificate(second.certificateDer);
    const { body } = await graph(admin, "GET", `/applications/${ROLLER.objectId}`);
    expect(body.keyCredentials).toEqual([
      {
        customKeyIdentifier: x509.fingerprint.replace(/:/g, ""),
        displayName: "second",
        endDateTime: new Date(x509.validTo).toISOString(),
        key: null,
        keyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        startDateTime: new Date(x509.validFrom).toISOString(),
        type: "AsymmetricX509Cert",
        usage: "Verify",
      },
    ]);
    const selected = await graph(admin, "GET", `/applications/${ROLLER.objectId}?$select=keyCredentials`);
    expect(selected.body.keyCredentials[0].key).toBe(second.certificateDer.toString("base64"));
    const listed = await graph(admin, "GET", `/applications?$filter=appId eq '${ROLLER.appId}'&$select=keyCredentials`);
    expect(listed.body.value[0].keyCredentials[0].key).toBeNull();
  });

  it("replaces the whole collection, keeping a credential named by keyId without its key", async () => {
    const admin = await appToken(sb.origin, DAEMON_CLIENT, GRAPH);
    const keep = roller().keyCredentials![0];
    await graph(admin, "PATCH", `/applications/${ROLLER.objectId}`, {
      keyCredentials: [{ keyId: keep.keyId, type: "AsymmetricX509Cert", usage: "Verify" }, upload(second)],
    });
    expect(roller().keyCredentials!.map((k) => k.customKeyIdentifier)).toEqual([keep.customKeyIdentifier, expect.any(String)]);
    await graph(admin, "PATCH", `/applications/${ROLLER.objectId}`, { keyCredentials: [upload(second)] });
    expect(roller().keyCredentials).toHaveLength(1);
    expect(roller().keyCredentials![0].certificateDer).toBe(second.certificateDer.toString("base64"));
  });

  it("refuses what Graph refuses with 400 and changes nothing", async () => {
    const admin = await appToken(sb.origin, DAEMON_CLIENT, GRAPH);
    const before = structuredClone(roller().keyCredentials);
    const cases: [unknown, string | RegExp][] = [
      [[upload(second, { key: Buffer.from("not a certificate").toString("base64") })], /certificate|could not be processed/],
      [
        [upload(second, { usage: "Encrypt" })],
        'The value for the property "usage" in one of your credentials is invalid. Acceptable values are Sign, Verify.',
      ],
      [[upload(second, { endDateTime: new Date(Date.now() + 400 * DAY).toISOString() })], "Key credential end date is invalid."],
      [[upload(second), "x"], "Invalid value specified for property 'keyCredentials' of resource 'Application'."],
      [upload(second), "Invalid value specified for property 'keyCredentials' of resource 'Application'."],
    ];
    for (const [keyCredentials, message] of cases) {
      const res = await graph(admin, "PATCH", `/applications/${ROLLER.objectId}`, { displayName: "Renamed", keyCredentials });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("Request_BadRequest");
      expect(res.body.error.message).toMatch(message);
    }
    expect(roller().keyCredentials).toEqual(before);
    expect(roller().displayName).toBe("Key roller");
  });
});

describe("addKey and removeKey", () => {
  it("lets an app with no Graph permission roll its own certificate: addKey, a token with the new key, removeKey of the old", async () => {
    const token = await rollerToken();
    expect((await graph(token, "PATCH", `/applications/${ROLLER.objectId}`, { notes: "x" })).status).toBe(403);
    const added = await graph(token, "POST", `/applications/${ROLLER.objectId}/addKey`, {
      keyCredential: upload(second, { displayName: "next" }),
      passwordCredential: null,
      proof: await proof(),
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.keyCredential",
      displayName: "next",
      type: "AsymmetricX509Cert",
      usage: "Verify",
      key: null,
      customKeyIdentifier: new X509Certificate(second.certificateDer).fingerprint.replace(/:/g, ""),
    });
    expect(roller().keyCredentials).toHaveLength(2);
    const oldKeyId = roller().keyCredentials![0].keyId;
    const next = await rollerToken(second);
    const removed = await graph(next, "POST", `/applications(appId='${ROLLER.appId}')/microsoft.graph.removeKey`, {
      keyId: oldKeyId,
      proof: await proof(second),
    });
    expect(removed.status).toBe(204);
    expect(roller().keyCredentials!.map((k) => k.keyId)).toEqual([added.body.keyId]);
  });

  it("refuses a proof Graph does not accept with 401 Authentication_MissingOrMalformed and adds nothing", async () => {
    const token = await rollerToken();
    const now = Math.floor(Date.now() / 1000);
    const proofs = [
      await handMadeProof({ aud: "00000003-0000-0000-c000-000000000000" }),
      await handMadeProof({ iss: ROLLER.appId }),
      // Both ends stated: the helper's own nbf is read a moment later and may fall in the next second.
      await handMadeProof({ nbf: now, exp: now + 601 }),
      await handMadeProof({ nbf: now - 1800, exp: now - 1200 }),
      await handMadeProof({}, stranger),
      "not-a-jwt",
      undefined,
    ];
    for (const p of proofs) {
      const res = await graph(token, "POST", `/applications/${ROLLER.objectId}/addKey`, {
        keyCredential: upload(second),
        passwordCredential: null,
        proof: p,
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: "Authentication_MissingOrMalformed", message: "Access Token missing or malformed." });
    }
    expect(roller().keyCredentials).toHaveLength(1);
  });

  it("needs a current certificate: an app whose only key has expired must PATCH instead", async () => {
    const admin = await appToken(sb.origin, DAEMON_CLIENT, GRAPH);
    roller().keyCredentials![0].endDateTime = new Date(Date.now() - DAY).toISOString();
    const res = await graph(admin, "POST", `/applications/${ROLLER.objectId}/addKey`, {
      keyCredential: upload(second),
      passwordCredential: null,
      proof: await proof(),
    });
    expect(res.status).toBe(401);
    expect((await graph(admin, "PATCH", `/applications/${ROLLER.objectId}`, { keyCredentials: [upload(second)] })).status).toBe(204);
  });

  it("refuses a bad new key or a password with 400, and an unknown keyId on removeKey", async () => {
    const token = await rollerToken();
    const bad = await graph(token, "POST", `/applications/${ROLLER.objectId}/addKey`, {
      keyCredential: upload(second, { key: "AAAA" }),
      passwordCredential: null,
      proof: await proof(),
    });
    expect(bad.status).toBe(400);
    const withPassword = await graph(token, "POST", `/applications/${ROLLER.objectId}/addKey`, {
      keyCredential: upload(second),
      passwordCredential: { secretText: "x" },
      proof: await proof(),
    });
    expect(withPassword.status).toBe(400);
    const unknown = await graph(token, "POST", `/applications/${ROLLER.objectId}/removeKey`, { keyId: crypto.randomUUID(), proof: await proof() });
    expect(unknown.status).toBe(400);
    expect(roller().keyCredentials).toHaveLength(1);
  });

  it("makes another app's keys off limits to an app without Application.ReadWrite permission", async () => {
    const token = await rollerToken();
    const res = await graph(token, "POST", `/applications/${DAEMON_CLIENT.objectId}/addKey`, {
      keyCredential: upload(second),
      passwordCredential: null,
      proof: await proof(),
    });
    expect(res.status).toBe(403);
  });
});
