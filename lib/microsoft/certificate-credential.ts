import "server-only";
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
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

export function createCertificateCredential(opts: { commonName: string; notBefore: Date; notAfter: Date }): CertificateCredential {
  if (!(opts.notAfter > opts.notBefore)) throw new RangeError("notAfter must be later than notBefore");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
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
