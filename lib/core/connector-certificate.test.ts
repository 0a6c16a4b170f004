import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { parseConnectorCertificate } from "./connector-certificate";
import { parseEnv } from "./env-schema";

const APP_ID = "31000000-0000-4000-8000-000000000002";

/** A self-signed RSA certificate and its PKCS#8 key, as an ISV makes one for its app registration. */
function makeCertificate(days = 365): { keyPem: string; certPem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 2 * 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([{ name: "commonName", value: "Act-On Connector (test)" }]);
  cert.setIssuer([{ name: "commonName", value: "Act-On Connector (test)" }]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

const good = makeCertificate();
const other = makeCertificate();

describe("the Act-On Connector's certificate", () => {
  it("takes the private key and certificate from one PEM text, in either order", () => {
    for (const pem of [`${good.keyPem}\n${good.certPem}`, `${good.certPem}\n${good.keyPem}`]) {
      const parsed = parseConnectorCertificate(pem);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.value.certificatePem).toContain("BEGIN CERTIFICATE");
    }
  });

  it("refuses a key of another certificate, a missing half and an expired certificate, without quoting the key", () => {
    const mismatched = parseConnectorCertificate(`${other.keyPem}\n${good.certPem}`);
    expect(mismatched).toEqual({ ok: false, message: "holds a private key that does not belong to its certificate" });
    expect(parseConnectorCertificate(good.certPem)).toMatchObject({ ok: false, message: expect.stringMatching(/must hold both/) });
    const expired = makeCertificate(-1);
    const parsed = parseConnectorCertificate(`${expired.keyPem}\n${expired.certPem}`);
    expect(parsed).toMatchObject({ ok: false, message: expect.stringMatching(/expired on/) });
    expect(JSON.stringify(mismatched)).not.toContain(other.keyPem.split("\n")[1]);
  });
});

describe("ACTON_CONNECTOR_* configuration", () => {
  it("is absent unless both the app id and a certificate are set (the mode is then not offered)", () => {
    expect(parseEnv({}).ACTON_CONNECTOR).toBeNull();
    expect(() => parseEnv({ ACTON_CONNECTOR_APP_ID: APP_ID })).toThrow(
      /ACTON_CONNECTOR_CERTIFICATE or ACTON_CONNECTOR_CERTIFICATE_FILE is required with ACTON_CONNECTOR_APP_ID/,
    );
    expect(() => parseEnv({ ACTON_CONNECTOR_CERTIFICATE: `${good.keyPem}${good.certPem}` })).toThrow(
      /ACTON_CONNECTOR_APP_ID is required with ACTON_CONNECTOR_CERTIFICATE/,
    );
    expect(() => parseEnv({ ACTON_CONNECTOR_APP_ID: "not-a-guid", ACTON_CONNECTOR_CERTIFICATE: `${good.keyPem}${good.certPem}` })).toThrow(
      /ACTON_CONNECTOR_APP_ID must be the Act-On Connector app's client id/,
    );
  });

  it("reads the PEM inline (newlines may be escaped) or from a file, and names a bad one without echoing it", () => {
    const inline = parseEnv({ ACTON_CONNECTOR_APP_ID: APP_ID, ACTON_CONNECTOR_CERTIFICATE: `${good.keyPem}${good.certPem}`.replace(/\n/g, "\\n") });
    expect(inline.ACTON_CONNECTOR).toMatchObject({ appId: APP_ID, certificatePem: good.certPem.trim() });
    const dir = mkdtempSync(join(tmpdir(), "connector-"));
    const file = join(dir, "connector.pem");
    writeFileSync(file, `${good.keyPem}${good.certPem}`);
    expect(parseEnv({ ACTON_CONNECTOR_APP_ID: APP_ID, ACTON_CONNECTOR_CERTIFICATE_FILE: file }).ACTON_CONNECTOR?.appId).toBe(APP_ID);
    expect(() => parseEnv({ ACTON_CONNECTOR_APP_ID: APP_ID, ACTON_CONNECTOR_CERTIFICATE_FILE: join(dir, "missing.pem") })).toThrow(
      /ACTON_CONNECTOR_CERTIFICATE_FILE cannot be read/,
    );
    try {
      parseEnv({ ACTON_CONNECTOR_APP_ID: APP_ID, ACTON_CONNECTOR_CERTIFICATE: `${other.keyPem}${good.certPem}` });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain("ACTON_CONNECTOR_CERTIFICATE holds a private key that does not belong to its certificate");
      expect((error as Error).message).not.toContain(other.keyPem.split("\n")[1]);
    }
  });
});
