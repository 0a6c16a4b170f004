/**
 * What a cloud connection signs in with, as data and words. Connector mode: Act-On's own multi-tenant "Act-On
 * Connector" app, consented in the customer's tenant; its certificate stays in Act-On's tenant, so nothing is stored
 * for the connection and nothing in the customer's tenant expires. Certificate mode: the portal holds the private key
 * of a certificate uploaded to a per-customer app; every token comes from a signed client assertion, and the portal
 * replaces the certificate before it expires. Secret mode (only when asked): a client secret, which nothing renews;
 * its admin must reconnect before it expires. Pure: pages and the API import it.
 */
export const CREDENTIAL_MODES = ["connector", "certificate", "secret"] as const;
export type CredentialMode = (typeof CREDENTIAL_MODES)[number];
/** The modes whose credential the portal stores for the connection (connector mode stores none). */
export type StoredCredentialMode = Exclude<CredentialMode, "connector">;

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

/** The modes this portal offers: the Act-On Connector only when it is configured (ACTON_CONNECTOR_APP_ID). */
export function offeredCredentialModes(connectorConfigured: boolean): CredentialMode[] {
  return CREDENTIAL_MODES.filter((m) => m !== "connector" || connectorConfigured);
}

export type CredentialModeChoice = { ok: true; mode: CredentialMode } | { ok: false; message: string };

/**
 * The mode a new cloud run uses: what was asked for; else what the connection has now (a repair keeps its mode);
 * else the Act-On Connector when configured, a per-customer certificate otherwise. Asking for the connector on a
 * portal without it is refused in words, before anything is stored.
 */
export function chooseCredentialMode(input: {
  asked?: CredentialMode;
  current: CredentialMode | null;
  connectorConfigured: boolean;
}): CredentialModeChoice {
  const offered = offeredCredentialModes(input.connectorConfigured);
  if (input.asked && !offered.includes(input.asked)) {
    return {
      ok: false,
      message: `The Act-On Connector is not configured on this portal (ACTON_CONNECTOR_APP_ID and its certificate), so connect with ${offered.map((m) => `"${m}"`).join(" or ")}.`,
    };
  }
  if (input.asked) return { ok: true, mode: input.asked };
  if (input.current && offered.includes(input.current)) return { ok: true, mode: input.current };
  return { ok: true, mode: input.connectorConfigured ? "connector" : "certificate" };
}

/** The mode in plain words, for the plan and the status page. */
export function credentialModeLabel(mode: CredentialMode): string {
  if (mode === "connector")
    return "Act-On's own Act-On Connector app, approved for your organization: no app registration and no credential in your tenant, nothing to rotate";
  return mode === "certificate" ? "A certificate, no client secret (its private key stays with Act-On's portal)" : "A client secret";
}

/**
 * What keeps the credential working, in the words of the status page: only what the portal does. A certificate is
 * replaced by the rotation job (lib/domain/secret/rotation/); a secret is announced to Act-On (credential-reminders.ts);
 * the connector's certificate is Act-On's own, outside the customer's tenant.
 */
export function credentialRenewalText(mode: CredentialMode): string {
  if (mode === "connector")
    return "Nothing here expires: Act-On holds and renews the connector's certificate in its own tenant, and nothing in yours needs rotating.";
  return mode === "certificate"
    ? `The certificate expires on the date above. The portal replaces it by itself ${ROTATION_LEAD_DAYS} days before: it adds a new ` +
        "certificate to the app, checks that it signs in, switches to it, and only then removes the old one, so you have nothing to do. " +
        "If that fails, Act-On is told and the portal keeps trying again. Its private key never leaves Act-On's portal, and Act-On's " +
        "servers get only short-lived tokens from it."
    : "The client secret expires on the date above. The portal tells Act-On 30, 14, 7 and 1 days before, so Act-On can ask you to " +
        "reconnect; reconnecting creates a new one and removes the old one only after the new one works.";
}

/**
 * How the status page's offers name the connection's credential, so each says what it does for this mode: what a
 * verification signs in with, what a repair may find removed, and what starting over makes anew. A connection with no
 * recorded mode (password and on-premises connections, or one proven before modes existed) keeps the general words.
 */
export function credentialOfferWords(mode: CredentialMode | null): { signsInWith: string; removable: string | null; madeAnew: string | null } {
  switch (mode) {
    case "connector":
      return { signsInWith: "the Act-On Connector's certificate, which Act-On holds", removable: null, madeAnew: null };
    case "certificate":
      return { signsInWith: "the stored certificate", removable: "a certificate that was removed", madeAnew: "a new certificate" };
    case "secret":
      return { signsInWith: "the stored client secret", removable: "a client secret that was removed", madeAnew: "a new client secret" };
    default:
      return { signsInWith: "the stored credential", removable: "a client secret that was removed", madeAnew: "a new client secret" };
  }
}
