import "server-only";
import { createHash, generateKeyPair, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import forge from "node-forge";

/**
 * A certificate credential for an app registration: a fresh RSA key pair and a self-signed certificate over it.
 * Microsoft only checks signatures against the uploaded certificate, so no CA is involved. Node's crypto makes the
 * key (native RSA); node-forge only builds and signs the X.509 certificate, which Node cannot do.
 */
export type CertificateCredential = {
  /** PKCS#8 PEM; the only secret here. */
  privateKeyPem: string;
  certificatePem: string;
  /** DER bytes: what Graph's `keyCredentials[].key` carries (base64) and what the thumbprints are taken over. */
  certificateDer: Buffer;
  notBefore: Date;
  notAfter: Date;
};

export type CertificateThumbprints = {
  /** base64url SHA-256 of the DER: the `x5t#S256` JWT header. */
  x5tS256: string;
  /** base64url SHA-1 of the DER: the legacy `x5t` JWT header. */
  x5t: string;
  /** Upper-case hex SHA-1: Graph's `customKeyIdentifier` and the portal's "Thumbprint". */
  sha1Hex: string;
};

export function certificateThumbprints(certificateDer: Buffer): CertificateThumbprints {
  const sha1 = createHash("sha1").update(certificateDer).digest();
  return {
    x5tS256: createHash("sha256").update(certificateDer).digest("base64url"),
    x5t: sha1.toString("base64url"),
    sha1Hex: sha1.toString("hex").toUpperCase(),
  };
}

export type CertificateKeyPair = { privateKey: KeyObject; publicKey: KeyObject };

const RSA_BITS = 2048;

/**
 * A fresh RSA key pair made on the thread pool: the event loop, and so the run's Microsoft calls, go on meanwhile.
 * Making one takes a tenth to half a second of CPU, which a caller can spend before it knows the exact certificate.
 */
export function generateCertificateKeyPair(): Promise<CertificateKeyPair> {
  return new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: RSA_BITS }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ publicKey, privateKey }),
    ),
  );
}

/** The certificate over `keyPair` (a fresh one when none is given: a key pair must never serve two certificates). */
export function createCertificateCredential(
  opts: { commonName: string; notBefore: Date; notAfter: Date },
  keyPair: CertificateKeyPair = generateKeyPairSync("rsa", { modulusLength: RSA_BITS }),
): CertificateCredential {
  if (!(opts.notAfter > opts.notBefore)) throw new RangeError("notAfter must be later than notBefore");
  const { privateKey, publicKey } = keyPair;
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  // A positive random serial (high bit clear), as RFC 5280 asks.
  cert.serialNumber = `0${randomBytes(16).toString("hex")}`;
  cert.validity.notBefore = opts.notBefore;
  cert.validity.notAfter = opts.notAfter;
  const name = [{ name: "commonName", value: opts.commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()), forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  const parsed = new X509Certificate(certificatePem);
  return {
    privateKeyPem,
    certificatePem,
    certificateDer: parsed.raw,
    notBefore: new Date(parsed.validFrom),
    notAfter: new Date(parsed.validTo),
  };
}
