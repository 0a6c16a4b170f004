/**
 * Microsoft's answer to a failed probe, as a health cause code. Pure: it reads only what a MicrosoftError carries
 * (service, HTTP status, upstream code, our mapped code), so each rule is unit-tested with Microsoft's real codes.
 */
import type { AppErrorCode } from "../core/errors";
import type { HealthCause } from "../domain/connection/health-machine";

/** The fields of a MicrosoftError the classification reads. */
export type ProbeFailure = { service: string; status?: number; upstreamCode?: string; appError: { code: AppErrorCode } };

/** Entra's answers to a client-credentials token request, by AADSTS code. */
const IDENTITY_CAUSES: Record<string, HealthCause> = {
  AADSTS7000222: "credential_expired", // the client secret has expired
  AADSTS7000215: "credential_removed", // invalid client secret: not (or no longer) one of the app's secrets
  AADSTS700016: "consent_revoked", // application not found in the directory (app deleted)
  AADSTS7000229: "consent_revoked", // the client application has no service principal in the tenant (SP deleted)
  AADSTS7000112: "consent_revoked", // the application is disabled (SP accountEnabled = false)
  AADSTS500011: "environment_not_found", // no resource principal for the environment URL in the tenant
};

/** Dataverse's codes for the caller itself (WhoAmI). */
const DATAVERSE_CAUSES: Record<string, HealthCause> = {
  "0x80072560": "application_user_missing", // the caller is not a member of the organization
  "0x80040225": "application_user_disabled", // the caller is a disabled user
  "0x80040220": "privilege_missing", // the caller lacks a privilege the call needs
};

const transportFailure = (f: ProbeFailure) => f.status === undefined && (f.appError.code === "upstream_unavailable" || f.appError.code === "timeout");

export function classifyProbeFailure(failure: ProbeFailure): HealthCause {
  const code = failure.upstreamCode?.toLowerCase();
  if (failure.service === "identity") {
    const known = Object.entries(IDENTITY_CAUSES).find(([k]) => k.toLowerCase() === code);
    if (known) return known[1];
    if (failure.appError.code === "client_secret_expired") return "credential_expired";
    if (failure.appError.code === "client_secret_invalid") return "credential_removed";
  }
  if (failure.service === "dataverse") {
    const known = Object.entries(DATAVERSE_CAUSES).find(([k]) => k === code);
    if (known) return known[1];
  }
  if (failure.appError.code === "timeout" || failure.appError.code === "throttled") return "microsoft_unavailable";
  // No answer at all (DNS, refused, reset): the sign-in host or the environment's could not be reached.
  if (transportFailure(failure)) return "tenant_unreachable";
  const status = failure.status ?? 0;
  if (status === 429 || status >= 500) return "microsoft_unavailable";
  if (failure.service === "dataverse") {
    // A valid token refused by the environment: it no longer admits the app (user deleted, or stripped of every role).
    if (status === 401 || status === 403) return "application_user_missing";
    // The environment's address answers, but no organization is there any more.
    if (status === 404) return "environment_not_found";
  }
  return failure.service === "identity" ? "tenant_unreachable" : "microsoft_unavailable";
}

/**
 * An on-premises server's answer to its own sign-in (NTLM or AD FS) and WhoAmI. A refused sign-in is the domain
 * user's name and password (the password changed or expired, the account locked or disabled in Active Directory),
 * not a missing application user.
 */
export function classifyOnPremisesProbeFailure(failure: ProbeFailure): HealthCause {
  // AD FS no longer knows Act-On's client (removed with Remove-AdfsClient): the customer's grant is gone.
  if (failure.service === "identity" && failure.upstreamCode === "invalid_client") return "consent_revoked";
  if (failure.appError.code === "invalid_credentials" || (failure.service === "dataverse" && failure.status === 401)) return "credential_removed";
  return classifyPasswordProbeFailure(failure);
}

/**
 * A password connection (on-premises, or legacy once probed) signs in as the integration user, which no run creates:
 * Dataverse's "not a member of the organization" (0x80072560) then means that user is not a user of the
 * environment (removed, or without a security role or licence), never a missing application user.
 */
function classifyPasswordProbeFailure(failure: ProbeFailure): HealthCause {
  const cause = classifyProbeFailure(failure);
  return cause === "application_user_missing" && failure.upstreamCode?.toLowerCase() === "0x80072560" ? "integration_user_missing" : cause;
}
