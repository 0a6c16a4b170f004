import "server-only";
import { randomBytes, sign, type KeyObject } from "node:crypto";

/**
 * A self-signed X.509 v3 certificate (RFC 5280) over an RSA key, DER-encoded by hand and signed by Node's native
 * crypto. Node can sign but has no certificate builder; the JavaScript library used before did its RSA arithmetic in
 * JavaScript (a tenth of the portal's CPU with a hundred onboardings at once) and encoded some random serial numbers
 * with a leading zero byte, which OpenSSL rejects ("illegal padding"). A certificate credential needs only a fixed
 * shape: one common name, a validity window, the key, and two extensions.
 */

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const COMMON_NAME = "2.5.4.3";
const BASIC_CONSTRAINTS = "2.5.29.19";
const KEY_USAGE = "2.5.29.15";

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const octetString = (content: Buffer) => tlv(0x04, content);
const bitString = (content: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const BOOLEAN_TRUE = Buffer.from([0x01, 0x01, 0xff]);
const NULL = Buffer.from([0x05, 0x00]);

/**
 * A non-negative INTEGER in DER's one allowed form: no leading zero byte unless the next byte's high bit is set, in
 * which case exactly one (so the value does not read as negative).
 */
export function derUnsignedInteger(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const minimal = value.length === 0 ? Buffer.from([0]) : value.subarray(start);
  return tlv(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

export function derObjectIdentifier(oid: string): Buffer {
  const arcs = oid.split(".").map(Number);
  const bytes: number[] = [];
  // The first two arcs share one subidentifier (X.690 8.19.4), base-128 like the rest (2.999 needs two bytes).
  for (const arc of [40 * arcs[0] + arcs[1], ...arcs.slice(2)]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, always Zulu. */
export function derTime(at: Date): Buffer {
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const year = at.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError("a certificate's dates must fall between 1950 and 9999");
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, "ascii")) : tlv(0x18, Buffer.from(`${digits}Z`, "ascii"));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(derObjectIdentifier(COMMON_NAME), tlv(0x0c, Buffer.from(commonName, "utf8")))));
}

/**
 * A positive serial of 126 random bits: the top bit cleared (positive) and the next set (never a leading zero byte),
 * within RFC 5280's 20 octets and above the CA/Browser Forum's 64 bits of entropy.
 */
export function randomSerial(random: Buffer = randomBytes(16)): Buffer {
  const serial = Buffer.from(random);
  serial[0] = (serial[0] & 0x3f) | 0x40;
  return serial;
}

export function buildSelfSignedCertificate(opts: {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  privateKey: KeyObject;
  serial?: Buffer;
}): Buffer {
  const algorithm = sequence(derObjectIdentifier(SHA256_WITH_RSA), NULL);
  const subject = name(opts.commonName);
  const extensions = explicit(
    3,
    sequence(
      // An end-entity certificate: basicConstraints with cA absent (false).
      sequence(derObjectIdentifier(BASIC_CONSTRAINTS), BOOLEAN_TRUE, octetString(sequence())),
      // keyUsage digitalSignature only: bit 0, so 7 unused bits in the one content byte.
      sequence(derObjectIdentifier(KEY_USAGE), BOOLEAN_TRUE, octetString(bitString(Buffer.from([0x80]), 7))),
    ),
  );
  const tbs = sequence(
    explicit(0, derUnsignedInteger(Buffer.from([2]))), // v3
    derUnsignedInteger(opts.serial ?? randomSerial()),
    algorithm,
    subject,
    sequence(derTime(opts.notBefore), derTime(opts.notAfter)),
    subject,
    opts.publicKey.export({ type: "spki", format: "der" }),
    extensions,
  );
  return sequence(tbs, algorithm, bitString(sign("sha256", tbs, opts.privateKey)));
}
