// js-md4 ships no types; the sandbox uses only its ArrayBuffer digest (Node's OpenSSL 3 has no MD4).
declare module "js-md4" {
  const md4: { arrayBuffer(message: ArrayBuffer | Uint8Array | string): ArrayBuffer };
  export default md4;
}
