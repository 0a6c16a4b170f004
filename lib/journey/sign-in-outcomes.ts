/**
 * What the sign-in page says when the admin comes back from Microsoft without signing in (`?signin=<outcome>` from
 * /auth/callback). Only a fixed code travels in the URL; anything else gets the generic message. Pure.
 */
export const SIGN_IN_OUTCOME_TEXT: Record<string, { title: string; body: string }> = {
  cancelled: {
    title: "You cancelled the Microsoft sign-in",
    body: "Nothing was changed in your Microsoft tenant. When you are ready, choose Sign in with Microsoft again.",
  },
  consent_required: {
    title: "Your organization needs an administrator to approve the portal",
    body: "Your Microsoft tenant does not let you approve the portal's permissions yourself. Ask a Global Administrator (or Cloud Application Administrator) to sign in here and accept for your organization, then sign in again.",
  },
  wrong_tenant: {
    title: "That account belongs to another Microsoft tenant",
    body: "This connection is set up in a different tenant. Choose Sign in with Microsoft again and pick an administrator account of the connection's tenant.",
  },
  expired: {
    title: "The sign-in took too long",
    body: "The portal waits 15 minutes for Microsoft to send you back. Choose Sign in with Microsoft again.",
  },
  mismatch: {
    title: "The sign-in could not be matched to this browser",
    body: "Microsoft sent back a sign-in this tab did not start. Choose Sign in with Microsoft again, in this tab.",
  },
  failed: {
    title: "Microsoft did not complete the sign-in",
    body: "You are not signed in and nothing was changed. Try again; if it fails again, contact Act-On support with the time of the attempt.",
  },
};

export function signInOutcome(code: string | undefined): { title: string; body: string } | null {
  if (!code) return null;
  return SIGN_IN_OUTCOME_TEXT[code] ?? SIGN_IN_OUTCOME_TEXT.failed;
}
