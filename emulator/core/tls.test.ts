/** The sandbox's own certificates: serial numbers forge encodes as DER that OpenSSL accepts. */
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { serialNumber } from "./tls";

const derOf = (hex: string) =>
  Buffer.from(
    forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.util.hexToBytes(hex))).getBytes(),
    "binary",
  );

describe("serialNumber", () => {
  it("is a minimal positive 16-byte INTEGER whatever the random bytes (two leading zeros once gave illegal padding)", () => {
    for (let first = 0; first < 256; first++) {
      for (const second of [0x00, 0x7f, 0x80, 0xff]) {
        const random = Buffer.alloc(16, 0x3f);
        random[0] = first;
        random[1] = second;
        const der = derOf(serialNumber(random));
        expect([der[0], der[1]]).toEqual([0x02, 16]);
        expect(der[2] & 0x80).toBe(0);
        expect(der[2] === 0x00 && (der[3] & 0x80) === 0).toBe(false);
      }
    }
  });
});
