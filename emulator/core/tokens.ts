/**
 * Token signing and verification for the sandbox. One RS256 key signs every id and access token, as Entra's
 * published keys do; resource services (Graph, Dataverse, discovery) verify with `verifyAccessToken`.
 * The key is kept under the sandbox's data folder so tokens cached by clients survive a sandbox restart.
 */
import { createHash, generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, jwtVerify, exportJWK, decodeProtectedHeader, type JWTPayload } from "jose";
import { sandboxDate } from "./clock";

export type AccessTokenClaims = JWTPayload & {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  sub: string;
  ver: "1.0" | "2.0";
  /** v1 tokens name the client `appid`, v2 tokens `azp`. */
  appid?: string;
  azp?: string;
  scp?: string;
  roles?: string[];
  upn?: string;
  unique_name?: string;
  preferred_username?: string;
  name?: string;
  wids?: string[];
  idtyp?: "user" | "app";
  amr?: string[];
};

type KeyMaterial = { kid: string; privateKey: KeyObject; publicKey: KeyObject };
let material: KeyMaterial | undefined;

/** Loads the signing key from `dir` (creating it on first start), or keeps an in-memory one when `dir` is null. */
export function initSigningKey(dir: string | null): void {
  let pem: string;
  const file = dir ? join(dir, "signing-key.pem") : null;
  if (file && existsSync(file)) {
    pem = readFileSync(file, "utf8");
  } else {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    if (file && dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, pem, { mode: 0o600 });
    }
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: "spki", format: "der" });
  const kid = createHash("sha1").update(der).digest("base64url").slice(0, 27);
  material = { kid, privateKey, publicKey };
}

function key(): KeyMaterial {
  if (!material) initSigningKey(null);
  return material!;
}

export async function getJwks(issuer?: string): Promise<{ keys: object[] }> {
  const { kid, publicKey } = key();
  const jwk = await exportJWK(publicKey);
  return { keys: [{ kty: "RSA", use: "sig", kid, x5t: kid, n: jwk.n, e: jwk.e, ...(issuer ? { issuer } : {}) }] };
}

/** Signs claims as an RS256 JWT with Entra's header shape (`typ`, `alg`, `kid`, and `x5t` for v1 tokens). */
export async function signJwt(claims: Record<string, unknown>): Promise<string> {
  const { kid, privateKey } = key();
  const header: { alg: string; typ: string; kid: string; x5t?: string } = { alg: "RS256", typ: "JWT", kid };
  if (claims.ver === "1.0") header.x5t = kid;
  return new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
}

/**
 * Verifies signature, `exp` and `nbf`; returns null for anything that is not a valid sandbox token.
 * Callers must still check `aud` against their own resource: that is what keeps an id token (aud = client id) out.
 */
export async function verifyAccessToken(raw: string): Promise<AccessTokenClaims | null> {
  try {
    const header = decodeProtectedHeader(raw);
    if (header.kid !== key().kid) return null;
    const { payload } = await jwtVerify(raw, key().publicKey, { algorithms: ["RS256"], clockTolerance: 5, currentDate: sandboxDate() });
    return payload as AccessTokenClaims;
  } catch {
    return null;
  }
}
