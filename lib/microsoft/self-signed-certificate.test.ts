/**
 * The hand-built certificate, read back by OpenSSL (Node's X509Certificate): every field as asked, DER's one allowed
 * form for integers and times, and a signature its own key verifies.
 */
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildSelfSignedCertificate, derObjectIdentifier, derTime, derUnsignedInteger, randomSerial } from "./self-signed-certificate";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const build = (over: Partial<Parameters<typeof buildSelfSignedCertificate>[0]> = {}) =>
  new X509Certificate(
    buildSelfSignedCertificate({
      commonName: "Act-On Dynamics connector c1",
      notBefore: new Date("2026-12-06T10:00:00.750Z"),
      notAfter: new Date("2028-12-06T10:00:00Z"),
      ...keys,
      ...over,
    }),
  );

describe("derUnsignedInteger", () => {
  it.each([
    [[0x00, 0x01], "020101"],
    [[0x00, 0x00, 0x7f], "02017f"],
    [[0x80], "02020080"],
    [[0x00, 0x80], "02020080"],
    [[0x00], "020100"],
    [[0x01, 0x00], "02020100"],
  ])("encodes %j minimally as %s", (bytes, hex) => {
    expect(derUnsignedInteger(Buffer.from(bytes)).toString("hex")).toBe(hex);
  });
});

describe("DER pieces", () => {
  it("encodes object identifiers with base-128 arcs", () => {
    expect(derObjectIdentifier("1.2.840.113549.1.1.11").toString("hex")).toBe("06092a864886f70d01010b");
    expect(derObjectIdentifier("2.5.29.19").toString("hex")).toBe("0603551d13");
    expect(derObjectIdentifier("2.999.3").toString("hex")).toBe("0603883703");
  });
  it("uses UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds", () => {
    expect(derTime(new Date("2049-12-31T23:59:59.999Z")).toString("ascii").slice(2)).toBe("491231235959Z");
    expect(derTime(new Date("2049-12-31T23:59:59Z"))[0]).toBe(0x17);
    expect(derTime(new Date("2050-01-01T00:00:00Z")).toString("ascii").slice(2)).toBe("20500101000000Z");
    expect(derTime(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18);
  });
});

describe("randomSerial", () => {
  it("is positive and never starts with a zero byte, whatever the random bytes", () => {
    for (const first of [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff]) {
      const serial = randomSerial(Buffer.from([first, ...Array(15).fill(0)]));
      expect(serial[0]).toBeGreaterThanOrEqual(0x40);
      expect(serial[0]).toBeLessThan(0x80);
      expect(derUnsignedInteger(serial).subarray(2)).toEqual(serial);
    }
  });
});

describe("buildSelfSignedCertificate", () => {
  it("makes a v3 end-entity certificate OpenSSL reads back field by field", () => {
    const x509 = build();
    expect(x509.subject).toBe("CN=Act-On Dynamics connector c1");
    expect(x509.issuer).toBe(x509.subject);
    expect(new Date(x509.validFrom).toISOString()).toBe("2026-12-06T10:00:00.000Z");
    expect(new Date(x509.validTo).toISOString()).toBe("2028-12-06T10:00:00.000Z");
    expect(x509.ca).toBe(false);
    expect(x509.verify(keys.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(keys.privateKey)).toBe(true);
    expect(x509.publicKey.export({ type: "spki", format: "der" })).toEqual(keys.publicKey.export({ type: "spki", format: "der" }));
    expect(x509.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
  });

  it("reads back a validity past 2049 and a non-ASCII name", () => {
    const x509 = build({ commonName: "Contoso Müller", notAfter: new Date("2051-06-01T00:00:00Z") });
    expect(new Date(x509.validTo).toISOString()).toBe("2051-06-01T00:00:00.000Z");
    expect(x509.subject).toBe("CN=Contoso Müller");
  });

  it("is signed with the key it was given, not another", () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(build({ privateKey: other.privateKey }).verify(keys.publicKey)).toBe(false);
  });
});
