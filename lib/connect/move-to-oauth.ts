/**
 * Which connections may move from a user name and password to OAuth, by the engine's rule (start-run.ts: only
 * authMode `legacy`, which covers Basic and legacy OAuth; an on-premises server has no Microsoft Entra to move to),
 * and only once it has been connected (a draft simply takes the recommended path). Pure.
 */
export function canMoveToOAuth(connection: { authMode: string; status: string }): boolean {
  return connection.authMode === "legacy" && ["active", "failed", "actionRequired"].includes(connection.status);
}

/** What the move changes, as Act-On's article numbers the steps (1, 4 and 5), in the admin's words. */
export const MIGRATION_CHANGES = [
  {
    step: 1,
    title: "Register the “Act-On Integration” app and grant consent",
    body: "In Microsoft Entra, with the Dynamics CRM permission (user_impersonation) and admin consent for your organization. An app the legacy setup registered is reused, and its public-client (password) sign-in is turned off.",
  },
  {
    step: 4,
    title: "Create the application user with its security role",
    body: "In your Dynamics 365 environment: a non-interactive user for the app (no licence), with the least-privilege “Act-On Integration” role (recommended) or System Administrator.",
  },
  {
    step: 5,
    title: "Act-On signs in with the app's client id and secret",
    body: "A client secret is created and stored encrypted; Act-On uses the client id and the secret instead of the integration user's password. Only after that sign-in is verified is the stored password forgotten.",
  },
] as const;
