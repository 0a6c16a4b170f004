/**
 * Short-lived protocol artefacts: authorization codes, refresh tokens, device codes and in-progress browser sign-ins.
 * They are not part of `SandboxState` (a state dump must never contain live credentials) and are cleared whenever
 * the control API resets the state, so a reset also signs everybody out.
 */
import { randomBytes } from "node:crypto";
import { sandboxNow } from "../core/clock";

export type AuthCode = {
  clientId: string;
  redirectUri: string;
  tenantId: string;
  userId: string;
  scope: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | "plain" | null;
  /** The redirect URI is a public-client (mobile/desktop) or SPA one: redeeming needs no secret. */
  isPublicRedirect: boolean;
  /** SPA redirect URIs are redeemed from the browser, which must never hold a secret (AADSTS700025 if it sends one). */
  isSpaRedirect: boolean;
  authTime: number;
  amr: string[];
  sid: string;
  expiresAt: number;
  redeemed: boolean;
};

export type RefreshGrant = {
  clientId: string;
  tenantId: string;
  userId: string;
  authTime: number;
  amr: string[];
  sid: string;
  /** Issued through a public-client flow (no secret needed to redeem it). */
  isPublicClient: boolean;
  /** Issued to a SPA redirect URI: redeemed only cross-origin, fixed 24-hour lifetime (AADSTS700084 after). */
  isSpa: boolean;
  expiresAt: number;
  /** When it was issued (ms): one issued before the user's sessions were revoked is refused (AADSTS50173). */
  issuedAt?: number;
};

export type DeviceAuthorization = {
  deviceCode: string;
  userCode: string;
  clientId: string;
  /** The `{tenant}` segment the device code was requested on. */
  tenantSegment: string;
  scope: string;
  expiresAt: number;
  status: "pending" | "approved" | "declined" | "redeemed";
  userId?: string;
  tenantId?: string;
  amr?: string[];
  authTime?: number;
  sid?: string;
};

const codes = new Map<string, AuthCode>();
const refreshTokens = new Map<string, RefreshGrant>();
const deviceCodes = new Map<string, DeviceAuthorization>();
const userCodes = new Map<string, string>();

export const CODE_LIFETIME_MS = 10 * 60_000;
export const REFRESH_LIFETIME_MS = 90 * 24 * 3600_000;
export const SPA_REFRESH_LIFETIME_MS = 24 * 3600_000;
export const DEVICE_CODE_LIFETIME_S = 900;

/** Opaque, URL-safe, long enough to look like Entra's (clients must not parse them). */
function opaqueToken(prefix: string, bytes = 48): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

export function saveCode(code: AuthCode): string {
  const value = opaqueToken("1.AQ", 64);
  codes.set(value, code);
  return value;
}

export function findCode(value: string): AuthCode | undefined {
  return codes.get(value);
}

export function saveRefreshToken(grant: RefreshGrant): string {
  const value = opaqueToken("0.AR", 96);
  // The sandbox clock, as revokeSignInSessions stamps its valid-from: one clock for both sides of the comparison.
  refreshTokens.set(value, { issuedAt: sandboxNow(), ...grant });
  return value;
}

/** The grant behind a refresh token; `expired` is kept for SPA tokens so the caller can answer AADSTS700084. */
export function findRefreshToken(value: string): RefreshGrant | { expired: true; isSpa: boolean } | undefined {
  const grant = refreshTokens.get(value);
  if (grant && grant.expiresAt < sandboxNow()) {
    refreshTokens.delete(value);
    return { expired: true, isSpa: grant.isSpa };
  }
  return grant;
}

/** User codes are 9 characters from an alphabet without look-alikes, as Entra's (e.g. `FRDWDJ3LK`). */
function newUserCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (;;) {
    const bytes = randomBytes(9);
    const code = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
    if (!userCodes.has(code)) return code;
  }
}

export function createDeviceAuthorization(clientId: string, tenantSegment: string, scope: string): DeviceAuthorization {
  const auth: DeviceAuthorization = {
    deviceCode: opaqueToken("DAQABAAEAAA", 96),
    userCode: newUserCode(),
    clientId,
    tenantSegment,
    scope,
    expiresAt: sandboxNow() + DEVICE_CODE_LIFETIME_S * 1000,
    status: "pending",
  };
  deviceCodes.set(auth.deviceCode, auth);
  userCodes.set(auth.userCode, auth.deviceCode);
  return auth;
}

export function findDeviceAuthorization(deviceCode: string): DeviceAuthorization | undefined {
  return deviceCodes.get(deviceCode);
}

export function findDeviceAuthorizationByUserCode(userCode: string): DeviceAuthorization | undefined {
  const deviceCode = userCodes.get(userCode.trim().toUpperCase().replace(/[\s-]/g, ""));
  return deviceCode ? deviceCodes.get(deviceCode) : undefined;
}

/** Called on every state reset. */
export function clearPendingGrants(): void {
  codes.clear();
  refreshTokens.clear();
  deviceCodes.clear();
  userCodes.clear();
}

/** Drops expired artefacts; cheap enough to run on every write path when maps grow. */
export function sweepExpired(now: number = sandboxNow()): void {
  if (codes.size + refreshTokens.size + deviceCodes.size < 5_000) return;
  for (const [k, v] of codes) if (v.expiresAt < now - CODE_LIFETIME_MS) codes.delete(k);
  for (const [k, v] of refreshTokens) if (v.expiresAt < now) refreshTokens.delete(k);
  for (const [k, v] of deviceCodes) {
    if (v.expiresAt < now - 60_000) {
      deviceCodes.delete(k);
      userCodes.delete(v.userCode);
    }
  }
}
