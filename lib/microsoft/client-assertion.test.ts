/**
 * The certificate credential and the two JWTs built from it, checked against Microsoft's documented claim sets
 * ("certificate credentials" for the client assertion, Graph's addKey for the proof of possession) and against
 * Node's own X.509 parser for the thumbprints.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import forge from "node-forge";
import { certificateSerialHex, certificateThumbprints, createCertificateCredential } from "./certificate-credential";
import { buildClientAssertion, buildProofOfPossession, PROOF_OF_POSSESSION_AUDIENCE } from "./client-assertion";

const NOW = new Date("2026-12-06T12:00:00Z");
const NOW_S = NOW.getTime() / 1000;
const CLIENT_ID = "39000000-0000-4000-8000-000000000001";
const OBJECT_ID = "38000000-0000-4000-8000-000000000001";
const TOKEN_ENDPOINT = "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/oauth2/v2.0/token";

const credential = createCertificateCredential({
  commonName: "Act-On Dynamics Connector",
  notBefore: new Date("2026-12-01T00:00:00Z"),
  notAfter: new Date("2027-12-01T00:00:00Z"),
});
const other = createCertificateCredential({ commonName: "Someone else", notBefore: NOW, notAfter: new Date("2027-01-01T00:00:00Z") });
const publicKey = new X509Certificate(credential.certificateDer).publicKey;
/** Node prints fingerprints as colon-separated upper-case hex. */
const fingerprintBytes = (f: string) => Buffer.from(f.replace(/:/g, ""), "hex");

describe("createCertificateCredential", () => {
  it("makes a self-signed certificate with the chosen validity whose key is the returned private key", () => {
    const x509 = new X509Certificate(credential.certificateDer);
    expect(x509.subject).toBe("CN=Act-On Dynamics Connector");
    expect(x509.issuer).toBe(x509.subject);
    expect(new Date(x509.validFrom).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(new Date(x509.validTo).toISOString()).toBe("2027-12-01T00:00:00.000Z");
    expect(credential.notAfter.toISOString()).toBe("2027-12-01T00:00:00.000Z");
    expect(x509.checkPrivateKey(createPrivateKey(credential.privateKeyPem))).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(other.privateKeyPem))).toBe(false);
    expect(credential.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("computes the thumbprints Node computes, in the encodings Microsoft uses", () => {
    const x509 = new X509Certificate(credential.certificateDer);
    const t = certificateThumbprints(credential.certificateDer);
    expect(t.x5tS256).toBe(fingerprintBytes(x509.fingerprint256).toString("base64url"));
    expect(t.x5t).toBe(fingerprintBytes(x509.fingerprint).toString("base64url"));
    expect(t.sha1Hex).toBe(x509.fingerprint.replace(/:/g, ""));
  });

  it("makes a certificate OpenSSL reads when the random serial starts with zero bytes (once: illegal padding)", () => {
    // The bytes a bench onboarding drew: forge stripped one of the two leading zeros and OpenSSL refused the rest.
    const drawn = Buffer.from(`003f${"a5".repeat(14)}`, "hex");
    const made = createCertificateCredential({ commonName: "x", notBefore: NOW, notAfter: new Date("2027-01-01T00:00:00Z") }, () => drawn);
    const x509 = new X509Certificate(made.certificateDer);
    expect(x509.serialNumber).toBe(certificateSerialHex(drawn).toUpperCase());
    expect(x509.checkPrivateKey(createPrivateKey(made.privateKeyPem))).toBe(true);
  });

  it("draws serials that DER-encode as minimal positive 16-byte integers, whatever the random bytes", () => {
    for (let first = 0; first < 256; first++) {
      for (const second of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
        const random = Buffer.alloc(16, 0x00);
        random[0] = first;
        random[1] = second;
        const der = Buffer.from(
          forge.asn1
            .toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.util.hexToBytes(certificateSerialHex(random))))
            .getBytes(),
          "binary",
        );
        // Tag INTEGER, 16 content octets; X.690 8.3.2: the first nine bits are never all zero (nor all one); positive.
        expect([der[0], der[1]]).toEqual([0x02, 16]);
        expect(der[2] & 0x80).toBe(0);
        expect(der[2] === 0x00 && (der[3] & 0x80) === 0).toBe(false);
      }
    }
  });

  it("refuses an empty validity window", () => {
    expect(() => createCertificateCredential({ commonName: "x", notBefore: NOW, notAfter: NOW })).toThrow(RangeError);
  });
});

describe("buildClientAssertion", () => {
  const build = () =>
    buildClientAssertion({
      clientId: CLIENT_ID,
      tokenEndpoint: TOKEN_ENDPOINT,
      privateKeyPem: credential.privateKeyPem,
      certificateDer: credential.certificateDer,
      now: NOW,
    });

  it("carries Microsoft's documented header and claims, signed PS256 by the certificate's key", async () => {
    const jwt = await build();
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { algorithms: ["PS256"], currentDate: NOW });
    expect(protectedHeader).toEqual({
      alg: "PS256",
      typ: "JWT",
      "x5t#S256": fingerprintBytes(new X509Certificate(credential.certificateDer).fingerprint256).toString("base64url"),
    });
    expect(payload).toEqual({
      aud: TOKEN_ENDPOINT,
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      nbf: NOW_S,
      iat: NOW_S,
      exp: NOW_S + 300,
    });
  });

  it("uses a fresh jti for every assertion", async () => {
    const [a, b] = await Promise.all([build(), build()]);
    const jti = async (jwt: string) => (await jwtVerify(jwt, publicKey, { currentDate: NOW })).payload.jti;
    expect(await jti(a)).not.toBe(await jti(b));
  });

  it("does not verify against another certificate", async () => {
    const jwt = await build();
    await expect(jwtVerify(jwt, new X509Certificate(other.certificateDer).publicKey, { currentDate: NOW })).rejects.toThrow();
  });
});

describe("buildProofOfPossession", () => {
  it("has aud 00000002-…, iss = the application's object id and exp ten minutes after nbf, signed RS256", async () => {
    const proof = await buildProofOfPossession({
      applicationObjectId: OBJECT_ID,
      privateKeyPem: credential.privateKeyPem,
      certificateDer: credential.certificateDer,
      now: NOW,
    });
    const { payload } = await jwtVerify(proof, publicKey, { algorithms: ["RS256"], currentDate: NOW });
    expect(PROOF_OF_POSSESSION_AUDIENCE).toBe("00000002-0000-0000-c000-000000000000");
    expect(payload).toEqual({ aud: PROOF_OF_POSSESSION_AUDIENCE, iss: OBJECT_ID, nbf: NOW_S, exp: NOW_S + 600 });
    expect((payload.exp as number) - (payload.nbf as number)).toBeLessThanOrEqual(600);
    expect(decodeProtectedHeader(proof)).toEqual({ alg: "RS256", typ: "JWT", x5t: certificateThumbprints(credential.certificateDer).x5t });
  });
});
