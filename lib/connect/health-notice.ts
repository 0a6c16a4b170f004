/**
 * What the customer's status page says about an Active connection's health: nothing while it is healthy (or never
 * probed), and when a probe found it degraded or failing, the cause in the admin's words, the fix, and the way to it
 * on this page (the repair plan, starting over, or re-running verification after a change in Microsoft's admin
 * center). Pure, so each cause's answer is unit-tested.
 */
import type { HealthCause, HealthState } from "../domain/connection/health-machine";

export type ConnectionHealthView = { state: HealthState; cause: HealthCause | null; since: string | null; checkedAt: string | null };

/** Which of the status page's offers fixes it; `wait` = nothing to do unless it lasts. */
export type HealthWay = "repair" | "startOver" | "verify" | "wait";

export type HealthNotice = {
  tone: "warning" | "error" | "info";
  headline: string;
  /** What the last probe found, in plain words. */
  problem: string;
  /** What fixes it. */
  fix: string;
  way: HealthWay;
};

type CauseAdvice = { problem: string; fix: string; way: HealthWay };

const ADVICE: Record<HealthCause, CauseAdvice> = {
  application_user_missing: {
    problem:
      "Act-On's application user is no longer in your Dynamics 365 environment (it was deleted, or left without a security role), so Act-On cannot sign in to it.",
    fix: "Plan the repair: the portal creates the application user again with its security role and keeps everything that still works.",
    way: "repair",
  },
  application_user_disabled: {
    problem: "Act-On's application user is disabled in your Dynamics 365 environment, so Act-On cannot sign in to it.",
    fix: "Enable it in the Power Platform admin center (your environment › Settings › Users + permissions › Application users), then re-run verification here.",
    way: "verify",
  },
  integration_user_missing: {
    problem:
      "The integration user Act-On signs in as is not a user of your Dynamics 365 environment (it was removed, or holds no security role or licence).",
    fix: "Add the user back to the environment in the Power Platform admin center with its security role, then re-run verification here.",
    way: "verify",
  },
  credential_expired: {
    problem: "The client secret Act-On signs in with has expired.",
    fix: "Plan the repair: the portal creates a new client secret for the Act-On Integration app and keeps everything else.",
    way: "repair",
  },
  credential_removed: {
    problem: "Microsoft no longer accepts the client secret Act-On signs in with: it was removed from the Act-On Integration app.",
    fix: "Plan the repair: the portal creates a new client secret for the Act-On Integration app and keeps everything else.",
    way: "repair",
  },
  consent_revoked: {
    problem: "The Act-On Integration app, or its enterprise application, was deleted or disabled in your Microsoft tenant.",
    fix: "Plan the repair: the portal checks each piece, shows you what it will create again, and asks you to approve it.",
    way: "repair",
  },
  privilege_missing: {
    problem:
      "Act-On's application user lacks privileges Act-On needs (its security role was changed, or the role taken away), so some Act-On features stop working.",
    fix: "Plan the repair: the portal shows which privileges it will give the Act-On Integration role back, and which features they serve.",
    way: "repair",
  },
  environment_not_found: {
    problem: "Your Dynamics 365 environment does not answer at its address: it may have been deleted, moved or renamed.",
    fix: "Start over and choose the environment Act-On should connect to.",
    way: "startOver",
  },
  tenant_unreachable: {
    problem: "Microsoft could not be reached for your connection.",
    fix: "Nothing to do yet: the portal checks again soon. If it lasts, contact Act-On support.",
    way: "wait",
  },
  microsoft_unavailable: {
    problem: "Microsoft answered that it was busy or unavailable.",
    fix: "Nothing to do yet: the portal checks again soon. If it lasts, contact Act-On support.",
    way: "wait",
  },
};

/**
 * An on-premises connection has no app, client secret or application user: Act-On signs in to the customer's own
 * server as a domain user (Windows sign-in or AD FS). Its causes in those words; the fix is in the customer's
 * Active Directory or Dynamics 365 server, then a re-check from this page.
 */
const ON_PREMISES_ADVICE: Record<HealthCause, CauseAdvice> = {
  application_user_missing: {
    problem: "The domain user Act-On signs in as is no longer a user of your Dynamics 365 organization, or holds no security role.",
    fix: "Add the user back in Dynamics 365 (Settings › Security › Users) with its security role, then re-run verification here.",
    way: "verify",
  },
  application_user_disabled: {
    problem: "The domain user Act-On signs in as is disabled in your Dynamics 365 organization.",
    fix: "Enable the user in Dynamics 365 (Settings › Security › Users), then re-run verification here.",
    way: "verify",
  },
  integration_user_missing: {
    problem: "The domain user Act-On signs in as is not a user of your Dynamics 365 organization (it was removed, or holds no security role).",
    fix: "Add the user back in Dynamics 365 (Settings › Security › Users) with its security role, then re-run verification here.",
    way: "verify",
  },
  credential_expired: {
    problem: "Your server no longer accepts the domain user's password: it has expired.",
    fix: "Connect the server again from Act-On with the user's current password.",
    way: "verify",
  },
  credential_removed: {
    problem:
      "Your server no longer accepts the domain user's sign-in (Windows sign-in or AD FS): the password was changed or has expired, the account is locked or disabled in Active Directory, or the AD FS client was removed.",
    fix: "Fix the account in Active Directory or AD FS and re-run verification here, or connect the server again from Act-On with the current password.",
    way: "verify",
  },
  consent_revoked: {
    problem: "Your AD FS no longer lets Act-On's client sign in to Dynamics 365.",
    fix: "Register the client again with Add-AdfsClient on your AD FS server, then re-run verification here.",
    way: "verify",
  },
  privilege_missing: {
    problem:
      "The domain user Act-On signs in as lacks privileges Act-On needs (its security role was changed), so some Act-On features stop working.",
    fix: "Give the user its security role back in Dynamics 365 (Settings › Security › Users), then re-run verification here.",
    way: "verify",
  },
  environment_not_found: {
    problem: "Your Dynamics 365 server answers, but not for this organization: it may have been renamed, moved or removed.",
    fix: "Connect again from Act-On with the organization's current address.",
    way: "verify",
  },
  tenant_unreachable: {
    problem: "Your Dynamics 365 server could not be reached at its address (name resolution, a firewall, or the server is down).",
    fix: "Nothing to do yet: the portal checks again soon. If it lasts, check that the server is reachable from the internet over HTTPS.",
    way: "wait",
  },
  microsoft_unavailable: {
    problem: "Your Dynamics 365 server answered that it was busy or unavailable.",
    fix: "Nothing to do yet: the portal checks again soon. If it lasts, ask your Dynamics administrator to check the server.",
    way: "wait",
  },
};

/**
 * The notice for the status page, or null when there is nothing to say. Only an Active connection's health counts
 * (a connection that is not Active already says why on the page). A verification that passed after the last probe
 * (a finished repair) outranks the probe's finding until the next probe confirms it.
 */
export function healthNoticeFor(connection: {
  status: string;
  authMode?: string;
  lastVerifiedAt: string | null;
  health: ConnectionHealthView | null;
}): HealthNotice | null {
  const { health } = connection;
  const onPremises = connection.authMode === "onprem";
  const table = onPremises ? ON_PREMISES_ADVICE : ADVICE;
  const place = onPremises ? "Dynamics 365 server" : "Dynamics 365 environment";
  if (connection.status !== "active" || !health || health.state === "healthy" || !health.cause) return null;
  const checkedAt = health.checkedAt ? Date.parse(health.checkedAt) : 0;
  if (connection.lastVerifiedAt && Date.parse(connection.lastVerifiedAt) > checkedAt) {
    return {
      tone: "info",
      headline: "Fixed since the last health check",
      problem: table[health.cause].problem,
      fix: "Act-On signed in successfully after that check; the next health check confirms the connection is healthy.",
      way: "wait",
    };
  }
  const advice = table[health.cause];
  return health.state === "failing"
    ? { tone: "error", headline: `Act-On cannot reach your ${place}`, ...advice }
    : { tone: "warning", headline: `Act-On had trouble reaching your ${place}`, ...advice };
}
