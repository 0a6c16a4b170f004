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

/**
 * The serial number as forge takes it (hex of the INTEGER's content octets): 16 random bytes whose first byte is
 * forced into 0x40-0x7f, so the number is positive (RFC 5280 4.1.2.2) and its DER is already minimal. A leading zero
 * byte must never reach forge: its encoder strips one 0x00 only, so 0x00 0x00 0x3f… came out as 0x00 0x3f…, which
 * OpenSSL refuses ("asn1 encoding routines::illegal padding").
 */
export function certificateSerialHex(random: Buffer): string {
  if (random.length < 8) throw new RangeError("a certificate serial needs at least 64 random bits");
  const bytes = Buffer.from(random);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}

/** `random` is the source of the serial's bytes (Node's CSPRNG unless a test feeds a known value). */
export function createCertificateCredential(
  opts: { commonName: string; notBefore: Date; notAfter: Date },
  random: (size: number) => Buffer = randomBytes,
): CertificateCredential {
  if (!(opts.notAfter > opts.notBefore)) throw new RangeError("notAfter must be later than notBefore");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = certificateSerialHex(random(16));
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
