/**
 * `POST /applications/{id}/addKey` and `/removeKey` (Graph v1.0): an app rolls its own certificates. Each call
 * carries a proof of possession: a JWT signed with the private key of one of the app's current certificates, with
 * `aud` 00000002-0000-0000-c000-000000000000, `iss` the application's object id, and `exp` at most ten minutes after
 * `nbf`. An app with no current certificate cannot use these actions (it must PATCH `keyCredentials` first).
 */
import { compactVerify } from "jose";
import type { EmuRequest, EmuResponse } from "../core/http";
import type { Application } from "../core/state";
import { unconfirmed } from "../core/store";
import { authorizeApplicationWrite } from "./applications";
import { isResponse } from "./auth";
import { certificateOf, isKeyCurrent, keyCredentialView, readKeyCredential } from "./key-credentials";
import { badRequest, contextUrl, graphError, graphJson, graphNoContent, readJsonObject } from "./responses";
import { sandboxDate } from "../core/clock";

const PROOF_AUDIENCE = "00000002-0000-0000-c000-000000000000";
const PROOF_MAX_LIFETIME_SECONDS = 10 * 60;
const CLOCK_SKEW_SECONDS = 300;

/**
 * Graph answers a proof it cannot accept with 401 `Authentication_MissingOrMalformed` (observed in
 * microsoft-graph-docs#10686 and #14626; the docs do not list the error).
 */
const proofRefused = (req: EmuRequest): EmuResponse =>
  graphError(req, 401, "Authentication_MissingOrMalformed", "Access Token missing or malformed.");

function decodeClaims(jwt: string): Record<string, unknown> | null {
  try {
    const parts = jwt.split(".");
    if (parts.length !== 3) return null;
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function signedByCurrentKey(app: Application, jwt: string, now: number): Promise<boolean> {
  for (const key of (app.keyCredentials ?? []).filter((k) => isKeyCurrent(k, now))) {
    try {
      await compactVerify(jwt, certificateOf(key).certificate.publicKey, { algorithms: ["RS256", "PS256"] });
      return true;
    } catch {
      // Not this key: the proof names none reliably (x5t, kid or nothing), so every current key is tried.
    }
  }
  return false;
}

/** True when `proof` is a proof of possession for `app` that Graph accepts at `now`. */
async function isValidProof(app: Application, proof: unknown, now: Date = sandboxDate()): Promise<boolean> {
  if (typeof proof !== "string") return false;
  const claims = decodeClaims(proof);
  if (!claims) return false;
  const { aud, iss, nbf, exp } = claims;
  if (aud !== PROOF_AUDIENCE || iss !== app.id) return false;
  if (typeof nbf !== "number" || typeof exp !== "number" || exp <= nbf || exp - nbf > PROOF_MAX_LIFETIME_SECONDS) return false;
  const seconds = Math.floor(now.getTime() / 1000);
  if (seconds < nbf - CLOCK_SKEW_SECONDS || seconds >= exp + CLOCK_SKEW_SECONDS) return false;
  return signedByCurrentKey(app, proof, now.getTime());
}

/** What addKey and removeKey check before reading their own fields: the caller's rights, then the JSON body. */
async function keyAction(req: EmuRequest): Promise<{ app: Application; body: Record<string, unknown> } | EmuResponse> {
  const target = await authorizeApplicationWrite(req, { selfService: true });
  if (isResponse(target)) return target;
  const read = readJsonObject(req);
  return read.ok ? { app: target.app, body: read.body } : read.response;
}

export async function addKey(req: EmuRequest): Promise<EmuResponse> {
  const action = await keyAction(req);
  if (isResponse(action)) return action;
  const { app } = action;
  const { keyCredential, passwordCredential, proof } = action.body;
  if (keyCredential === null || typeof keyCredential !== "object" || Array.isArray(keyCredential)) {
    return badRequest(req, "Invalid value specified for property 'keyCredential'.");
  }
  // X509CertAndPassword (the only type that takes a password) is not modelled, so a password here is a mistake.
  if (passwordCredential !== undefined && passwordCredential !== null) {
    return badRequest(req, unconfirmed("'passwordCredential' must be null for a key of type 'AsymmetricX509Cert'."));
  }
  if (!(await isValidProof(app, proof))) return proofRefused(req);
  // Graph assigns the keyId of an added key (its docs ask callers to leave it null).
  const { keyId: _ignored, ...requested } = keyCredential as Record<string, unknown>;
  const credential = readKeyCredential(requested);
  if ("code" in credential) return graphError(req, 400, credential.code, credential.message);
  app.keyCredentials = [...(app.keyCredentials ?? []), credential];
  return graphJson(req, 200, { "@odata.context": contextUrl(req, "microsoft.graph.keyCredential"), ...keyCredentialView(credential, false) });
}

export async function removeKey(req: EmuRequest): Promise<EmuResponse> {
  const action = await keyAction(req);
  if (isResponse(action)) return action;
  const { app } = action;
  const { keyId, proof } = action.body;
  if (typeof keyId !== "string") return badRequest(req, "Invalid value specified for property 'keyId'.");
  if (!(await isValidProof(app, proof))) return proofRefused(req);
  const keys = app.keyCredentials ?? [];
  const remaining = keys.filter((k) => k.keyId !== keyId.toLowerCase());
  if (remaining.length === keys.length) return badRequest(req, unconfirmed(`No key credential found with keyId '${keyId}'.`));
  app.keyCredentials = remaining;
  return graphNoContent(req);
}
