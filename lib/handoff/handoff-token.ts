/**
 * The hand-off link's token: a compact JWS (HS256) signed with the portal's deep-link keys (DEEP_LINK_SECRET, the
 * first key signs, any verifies, the header names its `kid`), issued by and for the portal itself (`iss` = `aud` =
 * the portal's base URL, `typ` = `handoff+jwt`), so neither an Act-On launch link nor an outcome token is ever taken
 * for one. It names a HandoffLink row (`jti`), its connection and its steps; the row makes it single-use.
 * Pure: keys and clock are arguments.
 */
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from "jose";
import { z } from "zod";
import { appError, type AppError } from "../core/errors";

export type HandoffSigningKey = { kid: string; secret: string };

const HANDOFF_TOKEN_TYPE = "handoff+jwt";
/** The query parameter of `/handoff?t=…`. */
export const HANDOFF_PARAM = "t";

const claimsSchema = z.object({
  jti: z.string().min(8).max(64),
  connection_id: z.string().min(1).max(64),
  steps: z.array(z.string().min(1).max(64)).min(1).max(10),
  iat: z.number().int(),
  exp: z.number().int(),
});

export type HandoffClaims = { linkId: string; connectionId: string; steps: string[]; expiresAt: Date };

const HANDOFF_REFUSALS = {
  handoff_malformed: "This hand-off link is incomplete or damaged. Ask your colleague to copy it again.",
  handoff_invalid_signature: "This hand-off link was not made by this portal, or it was changed after it was made.",
  handoff_expired: "This hand-off link has expired. Ask your colleague to create a new one from their checklist.",
  handoff_used: "This hand-off link has already been used. Each link works once; ask your colleague for a new one.",
  handoff_revoked:
    "This hand-off link was withdrawn (your colleague made a newer one, or access was revoked). Ask them for a new one if you still need to help.",
  handoff_not_found: "This hand-off link is not known to the portal. Ask your colleague for a new one.",
} as const;
export type HandoffRefusalCode = keyof typeof HANDOFF_REFUSALS;

/** A refusal in the portal's error shape: `invalid_input`/`link_expired`/`link_replayed`, with the refusal as detail. */
export function handoffRefusal(code: HandoffRefusalCode, detail?: string): AppError {
  const appCode =
    code === "handoff_expired" || code === "handoff_revoked" ? "link_expired" : code === "handoff_used" ? "link_replayed" : "unauthorized";
  return appError(appCode, HANDOFF_REFUSALS[code], { detail: detail ? `${code}: ${detail}` : code });
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** Signs a hand-off token with the first key. */
export async function signHandoffToken(input: {
  keys: HandoffSigningKey[];
  portalBaseUrl: string;
  linkId: string;
  connectionId: string;
  steps: string[];
  issuedAt: Date;
  expiresAt: Date;
}): Promise<string> {
  const key = input.keys[0];
  if (!key) throw new Error("no deep-link key configured");
  const base = trimSlash(input.portalBaseUrl);
  return new SignJWT({ connection_id: input.connectionId, steps: input.steps })
    .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: HANDOFF_TOKEN_TYPE })
    .setIssuer(base)
    .setAudience(base)
    .setJti(input.linkId)
    .setIssuedAt(Math.floor(input.issuedAt.getTime() / 1000))
    .setExpirationTime(Math.floor(input.expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(key.secret));
}

class UnknownKeyError extends Error {}

/** Verifies a hand-off token's signature, type, issuer, audience, expiry and claims. Writes nothing. */
export async function verifyHandoffToken(
  token: string,
  options: { keys: HandoffSigningKey[]; portalBaseUrl: string; now?: Date },
): Promise<{ ok: true; claims: HandoffClaims } | { ok: false; code: HandoffRefusalCode; error: AppError }> {
  const refuse = (code: HandoffRefusalCode, detail?: string) => ({ ok: false as const, code, error: handoffRefusal(code, detail) });
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return refuse("handoff_malformed", "not a compact JWS");
  const base = trimSlash(options.portalBaseUrl);
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const key = options.keys.find((k) => k.kid === header.kid);
        if (!key) throw new UnknownKeyError("unknown kid");
        return new TextEncoder().encode(key.secret);
      },
      { algorithms: ["HS256"], issuer: base, audience: base, typ: HANDOFF_TOKEN_TYPE, currentDate: options.now, clockTolerance: 30 },
    );
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return refuse("handoff_malformed", `claim ${claims.error.issues[0].path.join(".")}`);
    return {
      ok: true,
      claims: {
        linkId: claims.data.jti,
        connectionId: claims.data.connection_id,
        steps: claims.data.steps,
        expiresAt: new Date(claims.data.exp * 1000),
      },
    };
  } catch (e) {
    if (e instanceof errors.JWTExpired) return refuse("handoff_expired");
    if (e instanceof UnknownKeyError || e instanceof errors.JWSSignatureVerificationFailed) return refuse("handoff_invalid_signature");
    if (e instanceof errors.JWTClaimValidationFailed) return refuse("handoff_invalid_signature", `claim ${e.claim}`);
    return refuse("handoff_malformed", e instanceof Error ? e.name : "unknown");
  }
}
