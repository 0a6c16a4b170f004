/**
 * What the sign-in page says when the admin comes back from Microsoft without signing in (`?error=<code>` from the
 * callback). Plain words and what to do; unknown codes get a generic message (the code itself is never echoed as
 * markup from the URL beyond this fixed list). Pure.
 */
export const SIGN_IN_OUTCOMES: Record<string, { title: string; body: string }> = {
  access_denied: {
    title: "You cancelled the sign-in at Microsoft",
    body: "Nothing was changed. When you are ready, sign in again; the portal needs your consent to act as you for this setup.",
  },
  consent_required: {
    title: "Your organization needs an administrator to approve the portal",
    body: "Your tenant does not let users consent to apps like this one. Ask a Global Administrator to sign in here instead, or to approve the “Act-On Dynamics Onboarding Portal” for your organization, then sign in again.",
  },
  admin_approval_required: {
    title: "Your organization needs an administrator to approve the portal",
    body: "Microsoft asked for an administrator's approval. Ask a Global Administrator (or Cloud Application Administrator) to sign in here and accept for your organization, then sign in again.",
  },
  wrong_tenant: {
    title: "That Microsoft account belongs to another organization",
    body: "This connection is already set up in a different Microsoft tenant. Sign in with an administrator account of that tenant.",
  },
  sign_in_failed: {
    title: "The sign-in did not complete",
    body: "Microsoft did not confirm the sign-in. Try again; if it keeps failing, contact Act-On support.",
  },
};

export function signInOutcome(code: string | undefined): { title: string; body: string } | null {
  if (!code) return null;
  return SIGN_IN_OUTCOMES[code] ?? SIGN_IN_OUTCOMES.sign_in_failed;
}
