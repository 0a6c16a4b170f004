// Declarations for packages that ship no types.
// js-md4 ships no types; the sandbox uses only its ArrayBuffer digest (Node's OpenSSL 3 has no MD4).
declare module "js-md4" {
  const md4: { arrayBuffer(message: ArrayBuffer | Uint8Array | string): ArrayBuffer };
  export default md4;
}

// httpntlm ships no types: the NTLM message functions the sandbox's tests use as a second, independent client.
declare module "httpntlm/ntlm.js" {
  export function createType1Message(o: { domain?: string; workstation?: string }): string;
  export function parseType2Message(header: string, callback: (e: Error) => void): object;
  export function createType3Message(type2: object, o: { username: string; password: string; domain: string; workstation: string }): string;
}
