/**
 * Who a stored Microsoft sign-in belongs to. What a colleague's hand-off session may do is part of the journey's one
 * action policy (lib/connect/action-policy.ts). Pure (no server-only marker), so the rule is unit-tested.
 */

/** True when a stored Microsoft sign-in belongs to the person signed in to this portal session (same tenant and account). */
export function isSameMicrosoftAccount(
  stored: { tenantId: string | null; username: string | null },
  signedIn: { tenantId: string; username: string } | null,
): boolean {
  if (!signedIn || !stored.tenantId || !stored.username) return false;
  return stored.tenantId.toLowerCase() === signedIn.tenantId.toLowerCase() && stored.username.toLowerCase() === signedIn.username.toLowerCase();
}
