/**
 * The server side of NTLM as a Windows server runs it for IIS (MS-NLMP): read the client's NEGOTIATE (type 1),
 * answer a CHALLENGE (type 2) with a fresh server challenge and the target info, and check the AUTHENTICATE (type 3)
 * by recomputing NTProofStr from the account's NT hash: NTOWFv2 = HMAC-MD5(NT hash, UNICODE(UPPER(user) + domain)),
 * NTProofStr = HMAC-MD5(NTOWFv2, server challenge + the client's blob). Only NTLMv2 is accepted, as Windows does
 * when LmCompatibilityLevel is 5 (NTLMv1 answers are 24 bytes and are refused). Pure: no sockets in here.
 */
import { createHmac, randomBytes } from "node:crypto";
import md4 from "js-md4";

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

const FLAGS = {
  unicode: 0x00000001,
  oem: 0x00000002,
  requestTarget: 0x00000004,
  ntlm: 0x00000200,
  alwaysSign: 0x00008000,
  targetTypeDomain: 0x00010000,
  extendedSessionSecurity: 0x00080000,
  targetInfo: 0x00800000,
  version: 0x02000000,
  n128: 0x20000000,
  n56: 0x80000000,
} as const;

/** The NT hash of a password: MD4 over its UTF-16LE bytes (what a domain controller stores for the account). */
export function ntHash(password: string): Buffer {
  return Buffer.from(md4.arrayBuffer(Buffer.from(password, "utf16le")));
}

export function ntHashHex(password: string): string {
  return ntHash(password).toString("hex");
}

function isNtlmMessage(buf: Buffer, type: number): boolean {
  return buf.length >= 12 && buf.subarray(0, 8).equals(SIGNATURE) && buf.readUInt32LE(8) === type;
}

/** The NEGOTIATE message's flags, or null when the bytes are not one. */
export function readNegotiate(buf: Buffer): { flags: number } | null {
  if (!isNtlmMessage(buf, 1) || buf.length < 16) return null;
  return { flags: buf.readUInt32LE(12) };
}

export type ChallengeOptions = {
  negotiateFlags: number;
  serverChallenge: Buffer;
  /** NetBIOS domain name, e.g. CONTOSO. */
  netbiosDomain: string;
  netbiosComputer: string;
  dnsDomain: string;
  dnsComputer: string;
  /** Windows FILETIME (100 ns since 1601) for MsvAvTimestamp. */
  timestamp: bigint;
};

function avPair(id: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

export function windowsFileTime(at: Date): bigint {
  return (BigInt(at.getTime()) + 11_644_473_600_000n) * 10_000n;
}

/**
 * The CHALLENGE message. Strings are Unicode when the client offered Unicode, else OEM (MS-NLMP 3.2.5.1.1), and the
 * server always asks for extended session security and sends target info, which is what lets a client answer with
 * NTLMv2.
 */
export function challengeMessage(o: ChallengeOptions): Buffer {
  const unicode = (o.negotiateFlags & FLAGS.unicode) !== 0;
  const text = (s: string) => Buffer.from(s, unicode ? "utf16le" : "latin1");
  const u16 = (s: string) => Buffer.from(s, "utf16le");
  const time = Buffer.alloc(8);
  time.writeBigUInt64LE(o.timestamp);
  const targetInfo = Buffer.concat([
    avPair(2, u16(o.netbiosDomain)),
    avPair(1, u16(o.netbiosComputer)),
    avPair(4, u16(o.dnsDomain)),
    avPair(3, u16(o.dnsComputer)),
    avPair(7, time),
    avPair(0, Buffer.alloc(0)),
  ]);
  const flags =
    (unicode ? FLAGS.unicode : FLAGS.oem) |
    FLAGS.requestTarget |
    FLAGS.ntlm |
    FLAGS.alwaysSign |
    FLAGS.targetTypeDomain |
    FLAGS.extendedSessionSecurity |
    FLAGS.targetInfo |
    FLAGS.version |
    FLAGS.n128 |
    FLAGS.n56;
  const targetName = text(o.netbiosDomain);
  const header = Buffer.alloc(56);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE(flags >>> 0, 20);
  o.serverChallenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(56 + targetName.length, 44);
  // Version: Windows Server 2016 (10.0, build 14393), NTLM revision 15.
  header.writeUInt8(10, 48);
  header.writeUInt8(0, 49);
  header.writeUInt16LE(14393, 50);
  header.writeUInt8(15, 55);
  return Buffer.concat([header, targetName, targetInfo]);
}

export type Authenticate = { flags: number; domain: string; user: string; workstation: string; ntResponse: Buffer };

/** The AUTHENTICATE message's fields, or null when the bytes are not one (or a field points outside the message). */
export function readAuthenticate(buf: Buffer): Authenticate | null {
  if (!isNtlmMessage(buf, 3) || buf.length < 64) return null;
  const field = (at: number): Buffer | null => {
    const len = buf.readUInt16LE(at);
    const offset = buf.readUInt32LE(at + 4);
    if (len === 0) return Buffer.alloc(0);
    return offset + len <= buf.length ? buf.subarray(offset, offset + len) : null;
  };
  const flags = buf.readUInt32LE(60);
  const nt = field(20);
  const domain = field(28);
  const user = field(36);
  const workstation = field(44);
  if (!nt || !domain || !user || !workstation) return null;
  const enc = (flags & FLAGS.unicode) !== 0 ? "utf16le" : "latin1";
  return { flags, domain: domain.toString(enc), user: user.toString(enc), workstation: workstation.toString(enc), ntResponse: Buffer.from(nt) };
}

/** NTOWFv2 (MS-NLMP 3.3.2): the user is upper-cased, the domain is used as the client sent it. */
export function ntowfv2(ntHashValue: Buffer, user: string, domain: string): Buffer {
  return createHmac("md5", ntHashValue)
    .update(Buffer.from(user.toUpperCase() + domain, "utf16le"))
    .digest();
}

/**
 * True when the NTLMv2 response proves knowledge of the password: its first 16 bytes (NTProofStr) equal
 * HMAC-MD5(NTOWFv2, server challenge + the rest of the response). NTLMv1 (24-byte) answers are refused.
 */
export function verifyNtlmV2(input: { ntHash: Buffer; user: string; domain: string; serverChallenge: Buffer; ntResponse: Buffer }): boolean {
  if (input.ntResponse.length <= 24) return false;
  const proof = input.ntResponse.subarray(0, 16);
  const blob = input.ntResponse.subarray(16);
  const expected = createHmac("md5", ntowfv2(input.ntHash, input.user, input.domain))
    .update(Buffer.concat([input.serverChallenge, blob]))
    .digest();
  return expected.equals(proof);
}

export const newServerChallenge = (): Buffer => randomBytes(8);
