/**
 * The Act-On launch link: a compact JWS (HS256) that Act-On's servers sign and the portal verifies. Pure (keys come
 * in as arguments), so the portal, the `npm run deeplink` command and the tests share one implementation of the
 * contract README documents for Act-On.
 */
import { randomBytes } from "node:crypto";
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from "jose";
import { z } from "zod";
import { appError, type AppError } from "../core/errors";

/** The fixed `iss` of every launch link: Act-On's application origin (not a URL the portal ever calls). */
export const ACTON_ISSUER = "https://app.act-on.com";
/** A launch link lives at most 15 minutes (`exp - iat`), and is refused 15 minutes after `iat` whatever `exp` says. */
export const LAUNCH_LINK_MAX_LIFETIME_SECONDS = 15 * 60;
/** Act-On's and the portal's clocks may differ this much. */
export const CLOCK_TOLERANCE_SECONDS = 30;
export const LAUNCH_INTENTS = ["connect", "reconnect", "status"] as const;
export type LaunchIntent = (typeof LAUNCH_INTENTS)[number];

/** One HMAC key: `kid` goes in the JWS header; the key is the secret's UTF-8 bytes. */
export type DeepLinkKey = { kid: string; secret: string };

/** The claims of a launch link, as Act-On writes them. */
const launchClaimsSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z
    .string()
    .min(16, "jti must be at least 16 characters (a random nonce)")
    .max(128)
    .regex(/^[A-Za-z0-9._~-]+$/, "jti must be URL-safe"),
  account_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, "account_id may hold letters, digits and . _ : - only"),
  account_name: z.string().trim().min(1).max(200),
  user_email: z.email().max(254),
  intent: z.enum(LAUNCH_INTENTS),
  return_to: z.url().max(2048),
  /**
   * Optional: the Dynamics 365 environment Act-On already knows for this account (the URL its MS Dynamics settings
   * hold). When Microsoft lists it for the signed-in admin, the portal prepares its plan without asking.
   */
  environment_url: z.url().max(2048).optional(),
  /**
   * Optional, in links the portal itself signs for one connection (the support console's reconnect link): the session
   * the link opens is bound to that connection, never to another of the account.
   */
  connection_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "connection_id is not a connection id")
    .optional(),
});

type LaunchClaims = {
  actonAccountId: string;
  accountName: string;
  userEmail: string;
  intent: LaunchIntent;
  returnTo: string;
  /** The environment Act-On named (`environment_url`), normalised; null when the link names none. */
  environmentUrl: string | null;
  /** The one connection the link is for (`connection_id`), or null: the account's current connection. */
  connectionId: string | null;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
};

export type LaunchLinkVerifier = {
  keys: DeepLinkKey[];
  /** The portal's base URL: a link's `aud` must equal it (without a trailing slash). */
  audience: string;
  /** Origins the return URL may have (ACTON_RETURN_ORIGINS). */
  returnOrigins: string[];
  now?: Date;
};

/**
 * What the portal learned from a refused link. `trusted` is set only when the signature was valid (an expired link
 * from Act-On, say), so the caller may audit the account and recognise its own browser's session; never otherwise.
 */
type LaunchRefusal = { error: AppError; trusted: { jti: string | null; actonAccountId: string | null } | null };
export type LaunchVerification = { ok: true; claims: LaunchClaims } | ({ ok: false } & LaunchRefusal);

const NEW_LINK = "Open Settings › Connectors › CRM › MS Dynamics in Act-On again to get a new link.";

/** The admin-facing message for each refusal, and (for support) what was wrong. */
export const LINK_REFUSALS = {
  link_invalid_signature: "This link was not signed by Act-On, or it was changed after Act-On signed it.",
  link_wrong_audience: "This link was made for a different portal, not this one.",
  link_wrong_issuer: "This link does not come from Act-On.",
  link_expired: `This link has expired: links from Act-On work for 15 minutes. ${NEW_LINK}`,
  link_replayed: `This link has already been opened in another browser. Each link works once, in one browser. ${NEW_LINK}`,
  link_return_not_allowed: "This link would send you back to a site that is not Act-On, so the portal did not open it.",
  link_malformed: "This link is incomplete or damaged.",
} as const;
export type LinkRefusalCode = keyof typeof LINK_REFUSALS;

function refuse(code: LinkRefusalCode, detail: string, trusted: LaunchRefusal["trusted"] = null): { ok: false } & LaunchRefusal {
  return { ok: false, error: appError(code, LINK_REFUSALS[code], { detail }), trusted };
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

function trustedFrom(payload: JWTPayload | undefined): LaunchRefusal["trusted"] {
  if (!payload) return null;
  const jti = typeof payload.jti === "string" ? payload.jti : null;
  const account = typeof payload.account_id === "string" ? payload.account_id : null;
  return { jti, actonAccountId: account };
}

class UnknownKeyError extends Error {}

/**
 * Verifies a launch link: signature (HS256, key named by `kid`), issuer, audience, expiry and lifetime, every claim's
 * shape, and the return URL's origin. Each failure is its own AppError code; nothing here writes anything.
 */
export async function verifyLaunchLink(token: string, verifier: LaunchLinkVerifier): Promise<LaunchVerification> {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) || token.length > 8192) {
    return refuse("link_malformed", "not a compact JWS");
  }
  const currentDate = verifier.now ?? new Date();
  let payload: JWTPayload;
  try {
    const result = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const key = verifier.keys.find((k) => k.kid === header.kid);
        if (!key) throw new UnknownKeyError(header.kid ? `unknown kid ${JSON.stringify(header.kid).slice(0, 70)}` : "no kid in the header");
        return new TextEncoder().encode(key.secret);
      },
      {
        algorithms: ["HS256"],
        issuer: ACTON_ISSUER,
        audience: trimSlash(verifier.audience),
        requiredClaims: ["iat", "exp", "jti"],
        maxTokenAge: LAUNCH_LINK_MAX_LIFETIME_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate,
      },
    );
    payload = result.payload;
  } catch (e) {
    if (e instanceof UnknownKeyError) return refuse("link_invalid_signature", e.message);
    if (e instanceof errors.JWSSignatureVerificationFailed) return refuse("link_invalid_signature", "HMAC does not match");
    if (e instanceof errors.JOSEAlgNotAllowed) return refuse("link_invalid_signature", "algorithm is not HS256");
    // jose authenticates before it validates claims, so the payloads of the two errors below are Act-On's own.
    if (e instanceof errors.JWTExpired) return refuse("link_expired", `${e.claim} check failed`, trustedFrom(e.payload));
    if (e instanceof errors.JWTClaimValidationFailed) {
      const trusted = trustedFrom(e.payload);
      if (e.claim === "iss" && e.reason === "check_failed") return refuse("link_wrong_issuer", "iss is not Act-On's", trusted);
      if (e.claim === "aud" && e.reason === "check_failed") return refuse("link_wrong_audience", "aud is not this portal's base URL", trusted);
      return refuse("link_malformed", `${e.claim} ${e.reason === "missing" ? "is missing" : "is invalid"}`, trusted);
    }
    if (e instanceof errors.JOSEError) return refuse("link_malformed", e.code);
    throw e;
  }

  const trusted = trustedFrom(payload);
  const parsed = launchClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse("link_malformed", `${issue.path.join(".") || "claims"}: ${issue.message}`, trusted);
  }
  const c = parsed.data;
  if (c.exp - c.iat > LAUNCH_LINK_MAX_LIFETIME_SECONDS) return refuse("link_malformed", "exp is more than 15 minutes after iat", trusted);
  const returnUrl = new URL(c.return_to);
  if (
    (returnUrl.protocol !== "https:" && returnUrl.protocol !== "http:") ||
    returnUrl.username ||
    returnUrl.password ||
    !verifier.returnOrigins.includes(returnUrl.origin)
  ) {
    return refuse("link_return_not_allowed", "return_to origin is not in ACTON_RETURN_ORIGINS", trusted);
  }
  const environmentUrl = c.environment_url === undefined ? null : normaliseEnvironmentUrl(c.environment_url);
  if (environmentUrl === undefined) return refuse("link_malformed", "environment_url is not an https:// address", trusted);
  return {
    ok: true,
    claims: {
      actonAccountId: c.account_id,
      accountName: c.account_name,
      userEmail: c.user_email.toLowerCase(),
      intent: c.intent,
      returnTo: returnUrl.toString(),
      environmentUrl,
      connectionId: c.connection_id ?? null,
      jti: c.jti,
      issuedAt: new Date(c.iat * 1000),
      expiresAt: new Date(c.exp * 1000),
    },
  };
}

/**
 * An environment URL as the portal compares it: https only, no credentials, query or fragment; lower-case origin,
 * no trailing slash. Undefined when it is not such an address. Pure.
 */
export function normaliseEnvironmentUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.username || url.password || url.search || url.hash) return undefined;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

export type SignLaunchLinkInput = {
  keys: DeepLinkKey[];
  /** The portal's base URL (the `aud`). */
  audience: string;
  actonAccountId: string;
  accountName: string;
  userEmail: string;
  intent: LaunchIntent;
  returnTo: string;
  /** The environment Act-On knows for the account, if any (`environment_url`). */
  environmentUrl?: string;
  /** The one connection the link is for (`connection_id`): portal-signed links for a connection (support's). */
  connectionId?: string;
  now?: Date;
  lifetimeSeconds?: number;
  jti?: string;
  /** Tests only: override claims or the issuer to build links the portal must refuse. */
  overrides?: Record<string, unknown>;
};

/** Signs a launch link's token with the first key, as Act-On's servers do. */
export async function signLaunchToken(input: SignLaunchLinkInput): Promise<string> {
  const key = input.keys[0];
  if (!key) throw new Error("no deep-link key configured");
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: ACTON_ISSUER,
    aud: trimSlash(input.audience),
    iat,
    exp: iat + (input.lifetimeSeconds ?? 10 * 60),
    jti: input.jti ?? randomBytes(18).toString("base64url"),
    account_id: input.actonAccountId,
    account_name: input.accountName,
    user_email: input.userEmail,
    intent: input.intent,
    return_to: input.returnTo,
    environment_url: input.environmentUrl,
    connection_id: input.connectionId,
    ...input.overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" }).sign(new TextEncoder().encode(key.secret));
}

/** The URL Act-On sends the admin to. */
export function launchUrl(portalBaseUrl: string, token: string): string {
  return `${trimSlash(portalBaseUrl)}/launch?t=${token}`;
}
