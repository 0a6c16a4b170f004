/**
 * Who is reading a connection or a run. An account viewer (a customer admin's portal session) sees only its own
 * account's connections; asking for another account's id is answered exactly like an unknown id. Pure.
 */
export type Viewer = { kind: "account"; accountId: string } | { kind: "support" } | { kind: "system" };

/** True when `viewer` may read a connection of `accountId`. */
export function canView(viewer: Viewer, accountId: string): boolean {
  return viewer.kind !== "account" || viewer.accountId === accountId;
}
