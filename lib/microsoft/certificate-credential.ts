import "server-only";
import { createHash, generateKeyPair, X509Certificate, type KeyObject } from "node:crypto";
import { buildSelfSignedCertificate } from "./self-signed-certificate";

/**
 * A certificate credential for an app registration: a fresh RSA key pair and a self-signed certificate over it.
 * Microsoft only checks signatures against the uploaded certificate, so no CA is involved.
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

/**
 * A fresh RSA-2048 key pair made on libuv's thread pool, never on the event loop: one takes 45–300 ms of CPU (131 ms
 * median here), which made every other request of the process wait while a hundred onboardings made theirs. A drive
 * begins one ahead of the step that needs it (provisioning/prepared-key-pair.ts).
 */
export function generateCertificateKeyPair(): Promise<CertificateKeyPair> {
  return new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey }))),
  );
}

/** The certificate over `keyPair`, or over a fresh one when none is given: a key pair never serves two certificates. */
export async function createCertificateCredential(
  opts: { commonName: string; notBefore: Date; notAfter: Date },
  keyPair?: CertificateKeyPair,
): Promise<CertificateCredential> {
  if (!(opts.notAfter > opts.notBefore)) throw new RangeError("notAfter must be later than notBefore");
  const { privateKey, publicKey } = keyPair ?? (await generateCertificateKeyPair());
  const certificateDer = buildSelfSignedCertificate({ ...opts, publicKey, privateKey });
  const parsed = new X509Certificate(certificateDer);
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certificatePem: parsed.toString(),
    certificateDer: parsed.raw,
    notBefore: new Date(parsed.validFrom),
    notAfter: new Date(parsed.validTo),
  };
}
