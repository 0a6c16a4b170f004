/**
 * The outcome the portal hands back to Act-On on "Return to Act-On": a compact JWS (HS256) signed with the same
 * DEEP_LINK_SECRET keys as the launch link, so Act-On trusts it without calling the portal. Pure: keys are arguments.
 */
import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { DeepLinkKey } from "./launch-link";
import { CONNECTION_STATUSES, type ConnectionStatus } from "../domain/connection/status";

/** The query parameter the outcome travels in, appended to the launch link's verified return URL. */
export const OUTCOME_PARAM = "acton_outcome";
/** Act-On should redeem the outcome as soon as the browser arrives: it is valid for 5 minutes. */
const OUTCOME_LIFETIME_SECONDS = 5 * 60;

const outcomeClaimsSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(16),
  account_id: z.string().min(1),
  connection_id: z.string().min(1),
  status: z.enum(CONNECTION_STATUSES),
});
export type OutcomeClaims = z.infer<typeof outcomeClaimsSchema>;

export type SignOutcomeInput = {
  keys: DeepLinkKey[];
  /** The portal's base URL (the `iss`). */
  portalBaseUrl: string;
  /** The verified return URL; its origin is the `aud`. */
  returnTo: string;
  actonAccountId: string;
  connectionId: string;
  status: ConnectionStatus;
  now?: Date;
};

const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** Signs an outcome token with the first key (header `kid`). */
export async function signOutcomeToken(input: SignOutcomeInput): Promise<string> {
  const key = input.keys[0];
  if (!key) throw new Error("no deep-link key configured");
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ account_id: input.actonAccountId, connection_id: input.connectionId, status: input.status })
    .setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" })
    .setIssuer(trimSlash(input.portalBaseUrl))
    .setAudience(new URL(input.returnTo).origin)
    .setIssuedAt(iat)
    .setExpirationTime(iat + OUTCOME_LIFETIME_SECONDS)
    .setJti(randomBytes(18).toString("base64url"))
    .sign(new TextEncoder().encode(key.secret));
}

/** The return URL with the signed outcome appended (other query parameters and the fragment are kept). */
export function appendOutcome(returnTo: string, token: string): string {
  const url = new URL(returnTo);
  url.searchParams.set(OUTCOME_PARAM, token);
  return url.toString();
}

/**
 * Verifies an outcome token as Act-On does (used by tests and as the reference for Act-On's implementation).
 * @throws jose's errors when the token is not valid for `audience`.
 */
export async function verifyOutcomeToken(
  token: string,
  options: { keys: DeepLinkKey[]; portalBaseUrl: string; audience: string; now?: Date },
): Promise<OutcomeClaims> {
  const { payload } = await jwtVerify(
    token,
    (header) => {
      const key = options.keys.find((k) => k.kid === header.kid);
      if (!key) throw new Error("unknown kid");
      return new TextEncoder().encode(key.secret);
    },
    { algorithms: ["HS256"], issuer: trimSlash(options.portalBaseUrl), audience: options.audience, currentDate: options.now, clockTolerance: 30 },
  );
  return outcomeClaimsSchema.parse(payload);
}
