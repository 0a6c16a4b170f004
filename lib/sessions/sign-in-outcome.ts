/**
 * What the admin reads when a Microsoft sign-in does not complete, and the admin-consent link for a Global
 * Administrator. The checklist shows it from `?signin=<outcome>`: only a code travels in the URL. Pure.
 */
import { z } from "zod";

const SIGN_IN_OUTCOMES = [
  "cancelled",
  "consent_required",
  "wrong_tenant",
  "run_in_progress",
  "handoff_ended",
  "expired",
  "mismatch",
  "failed",
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];
export const signInOutcomeSchema = z.enum(SIGN_IN_OUTCOMES);

export type SignInNoticeText = { title: string; body: string; nextSteps: string[] };

export const SIGN_IN_NOTICES: Record<SignInOutcome, SignInNoticeText> = {
  cancelled: {
    title: "You cancelled the Microsoft sign-in",
    body: "Nothing was changed in your Microsoft tenant.",
    nextSteps: [
      "When you are ready, choose Sign in with Microsoft again.",
      "Sign in with an administrator of the tenant your Dynamics environment is in.",
    ],
  },
  consent_required: {
    title: "Your organization needs an administrator to approve the portal",
    body: "Your Microsoft tenant does not let you approve the portal's permissions yourself, so Microsoft did not sign you in. Nothing was changed in your tenant.",
    nextSteps: [
      "Send the approval link below to a Global Administrator (or Cloud Application Administrator) of your tenant. They open it, sign in, and choose Accept.",
      "When they have approved it, choose Sign in with Microsoft again.",
    ],
  },
  wrong_tenant: {
    title: "That account belongs to another Microsoft tenant",
    body: "This connection is set up in a different tenant from the account you signed in with, so the portal did not use the sign-in.",
    nextSteps: ["Choose Sign in with Microsoft again and pick an administrator account of the connection's tenant."],
  },
  run_in_progress: {
    title: "A setup is running with another person's sign-in",
    body: "Someone else approved a setup for this connection and it is still running with their Microsoft sign-in, so the portal did not replace it with yours.",
    nextSteps: ["Follow the setup on the checklist. When it has finished, choose Sign in with Microsoft again if you still need to."],
  },
  handoff_ended: {
    title: "Your colleague's hand-off link has ended",
    body: "The link was withdrawn or has expired, or the plan it was made for has ended, so the portal did not keep your sign-in. Nothing was changed.",
    nextSteps: ["Ask your colleague for a new hand-off link if they still need your help."],
  },
  expired: {
    title: "The sign-in took too long",
    body: "The portal waits 15 minutes for Microsoft to send you back. Nothing was changed.",
    nextSteps: ["Choose Sign in with Microsoft again."],
  },
  mismatch: {
    title: "The sign-in could not be matched to this browser",
    body: "Microsoft sent back a sign-in this browser did not start (for example, from another tab or an old page), so the portal did not use it.",
    nextSteps: ["Choose Sign in with Microsoft again, in this tab."],
  },
  failed: {
    title: "Microsoft did not complete the sign-in",
    body: "Microsoft answered with an error, so you are not signed in. Nothing was changed in your tenant.",
    nextSteps: ["Choose Sign in with Microsoft again.", "If it fails again, contact Act-On support with the time of the attempt."],
  },
};

/**
 * The v2 admin-consent URL (`/{tenant}/v2.0/adminconsent`) for the portal's app: `.default` asks for every
 * permission the app registration declares. At `tenant` when known; else `organizations` lets the administrator's own
 * sign-in pick the tenant.
 */
export function adminConsentUrl(options: {
  authorityHost: string;
  tenant?: string;
  clientId: string;
  graphUrl: string;
  redirectUri: string;
}): string {
  const url = new URL(`${options.authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(options.tenant ?? "organizations")}/v2.0/adminconsent`);
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("scope", `${options.graphUrl.replace(/\/+$/, "")}/.default`);
  url.searchParams.set("redirect_uri", options.redirectUri);
  return url.toString();
}

/** What Microsoft's error redirect means for the admin (AADSTS numbers from the error description). */
export function outcomeOfMicrosoftError(error: string, description: string | undefined, subcode: string | undefined): SignInOutcome {
  const aadsts = /AADSTS(\d+)/.exec(description ?? "")?.[1];
  if (aadsts === "90094" || aadsts === "90095" || aadsts === "65001" || error === "consent_required") return "consent_required";
  if (error === "access_denied" || subcode === "cancel" || aadsts === "65004") return "cancelled";
  return "failed";
}
