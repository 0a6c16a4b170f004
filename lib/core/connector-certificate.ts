/**
 * Act-On's connector certificate as configuration: one PEM text holding the PKCS#8 (or PKCS#1) private key and the
 * X.509 certificate uploaded to the "Act-On Connector" app in Act-On's tenant. Parsed and checked at startup, so a
 * wrong file fails in words naming the variable, never at the first token request. Pure (node:crypto only).
 */
import { createPrivateKey, X509Certificate } from "node:crypto";

export type ConnectorCertificate = { privateKeyPem: string; certificatePem: string };

export type ConnectorCertificateParse = { ok: true; value: ConnectorCertificate } | { ok: false; message: string };

const PRIVATE_KEY = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/;
const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** Finds the private key and the certificate in `pem`, and checks they are a pair. Messages never quote the key. */
export function parseConnectorCertificate(pem: string, now: Date = new Date()): ConnectorCertificateParse {
  const keyPem = PRIVATE_KEY.exec(pem)?.[0];
  const certificatePem = CERTIFICATE.exec(pem)?.[0];
  if (!keyPem || !certificatePem) {
    return { ok: false, message: "must hold both the private key (BEGIN PRIVATE KEY) and the certificate (BEGIN CERTIFICATE), in PEM" };
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    return { ok: false, message: "holds a certificate that is not a valid X.509 certificate" };
  }
  let privateKeyPem: string;
  try {
    const key = createPrivateKey(keyPem);
    if (key.asymmetricKeyType !== "rsa")
      return { ok: false, message: "must hold an RSA private key (Entra signs and checks client assertions with RS256/PS256)" };
    if (!certificate.checkPrivateKey(key)) return { ok: false, message: "holds a private key that does not belong to its certificate" };
    privateKeyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
  } catch {
    return { ok: false, message: "holds a private key that cannot be read (an encrypted key is not supported)" };
  }
  if (Date.parse(certificate.validTo) <= now.getTime()) return { ok: false, message: `holds a certificate that expired on ${certificate.validTo}` };
  return { ok: true, value: { privateKeyPem, certificatePem } };
}
