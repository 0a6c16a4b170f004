/**
 * What a cloud connection's app registration signs in with, as data and words. Certificate mode: the portal holds
 * the private key of a certificate uploaded to the app; every token comes from a signed client assertion, and the
 * portal replaces the certificate before it expires. Secret mode (only when asked): a client secret, which nothing
 * renews; its admin must reconnect before it expires. Pure: pages and the API import it.
 */
export const CREDENTIAL_MODES = ["certificate", "secret"] as const;
export type CredentialMode = (typeof CREDENTIAL_MODES)[number];

/** How long a certificate the portal makes is valid. */
export const CERTIFICATE_LIFETIME_DAYS = 365;
/** Replacing a certificate starts this long before it expires. */
const ROTATION_LEAD_DAYS = 30;

/** A cloud connection's mode. One proven before certificate mode existed (or set up by hand) has a client secret. */
export function credentialModeOf(connection: { credentialMode: CredentialMode | null }): CredentialMode {
  return connection.credentialMode ?? "secret";
}

/** When the portal starts replacing the credential: a certificate ROTATION_LEAD_DAYS before expiry; a secret never. */
export function credentialRotatesAt(mode: CredentialMode, expiresAt: Date | null): Date | null {
  if (mode !== "certificate" || !expiresAt) return null;
  return new Date(expiresAt.getTime() - ROTATION_LEAD_DAYS * 86_400_000);
}

/** The mode in plain words, for the plan and the status page. */
export function credentialModeLabel(mode: CredentialMode): string {
  return mode === "certificate" ? "A certificate, no client secret (its private key stays with Act-On's portal)" : "A client secret";
}

/**
 * What keeps the credential working, in the words of the status page: only what the portal does. A certificate is
 * replaced by the rotation job (lib/domain/secret/rotation/); a secret is announced to Act-On (credential-reminders.ts).
 */
export function credentialRenewalText(mode: CredentialMode): string {
  return mode === "certificate"
    ? `The certificate expires on the date above. The portal replaces it by itself ${ROTATION_LEAD_DAYS} days before: it adds a new ` +
        "certificate to the app, checks that it signs in, switches to it, and only then removes the old one, so you have nothing to do. " +
        "If that fails, Act-On is told and the portal keeps trying again. Its private key never leaves Act-On's portal, and Act-On's " +
        "servers get only short-lived tokens from it."
    : "The client secret expires on the date above. The portal tells Act-On 30, 14, 7 and 1 days before, so Act-On can ask you to " +
        "reconnect; reconnecting creates a new one and removes the old one only after the new one works.";
}
