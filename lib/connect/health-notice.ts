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
 * The notice for the status page, or null when there is nothing to say. Only an Active connection's health counts
 * (a connection that is not Active already says why on the page). A verification that passed after the last probe
 * (a finished repair) outranks the probe's finding until the next probe confirms it.
 */
export function healthNoticeFor(connection: {
  status: string;
  lastVerifiedAt: string | null;
  health: ConnectionHealthView | null;
}): HealthNotice | null {
  const { health } = connection;
  if (connection.status !== "active" || !health || health.state === "healthy" || !health.cause) return null;
  const checkedAt = health.checkedAt ? Date.parse(health.checkedAt) : 0;
  if (connection.lastVerifiedAt && Date.parse(connection.lastVerifiedAt) > checkedAt) {
    return {
      tone: "info",
      headline: "Fixed since the last health check",
      problem: ADVICE[health.cause].problem,
      fix: "Act-On signed in successfully after that check; the next health check confirms the connection is healthy.",
      way: "wait",
    };
  }
  const advice = ADVICE[health.cause];
  return health.state === "failing"
    ? { tone: "error", headline: "Act-On cannot reach your Dynamics 365 environment", ...advice }
    : { tone: "warning", headline: "Act-On had trouble reaching your Dynamics 365 environment", ...advice };
}
