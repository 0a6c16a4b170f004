/**
 * The facts the status page lists about a connection, as label/value rows. Pure, so what each sign-in mode shows is
 * unit-tested.
 */
import { HEALTH_STATE_LABELS } from "../domain/connection/health-machine";
import { connectionStatusLabelForAdmin } from "../domain/connection/status";
import { roleLabel } from "./checklist";
import type { ConnectionHealthView } from "./health-notice";

export type StatusRowsInput = {
  status: string;
  authMode: string;
  environmentUrl: string | null;
  environmentName: string | null;
  tenantId: string | null;
  tenantDomain: string | null;
  clientId: string | null;
  securityRole: string | null;
  lastVerifiedAt: string | null;
  secretExpiresAt: string | null;
  credentialMode: string | null;
  credentialLabel: string | null;
  integrationUsername: string | null;
  onPremisesSignIn: string | null;
  adfsClientId: string | null;
  webApiVersion: string | null;
  health: ConnectionHealthView | null;
};

export type StatusRow = [label: string, value: string];

const ON_PREMISES_SIGN_IN: Record<string, string> = { ntlm: "Windows authentication (NTLM)", adfs: "AD FS" };

/**
 * Each mode lists what it has. An on-premises connection has no Microsoft tenant, app registration, application user
 * or client secret: Act-On signs in to the customer's server as a domain user. A legacy connection also names the
 * integration user it signs in as.
 */
export function statusRows(c: StatusRowsInput, when: (iso: string | null) => string): StatusRow[] {
  const state: StatusRow = ["State", connectionStatusLabelForAdmin(c.status)];
  const health: StatusRow[] =
    c.status === "active" && c.health ? [["Health", `${HEALTH_STATE_LABELS[c.health.state]}, last checked ${when(c.health.checkedAt)}`]] : [];
  const verified: StatusRow = ["Last verified", when(c.lastVerifiedAt)];
  if (c.authMode === "onprem") {
    const signIn = c.onPremisesSignIn ? (ON_PREMISES_SIGN_IN[c.onPremisesSignIn] ?? c.onPremisesSignIn) : null;
    return [
      state,
      ["Dynamics 365 server", c.environmentUrl ?? "Not entered yet"],
      ["Signs in as", c.integrationUsername ?? "Not entered yet"],
      ["Sign-in", signIn ? (c.onPremisesSignIn === "adfs" && c.adfsClientId ? `${signIn} (client id ${c.adfsClientId})` : signIn) : "Not found yet"],
      ...(c.webApiVersion ? [["Web API version", c.webApiVersion] as StatusRow] : []),
      ...health,
      verified,
    ];
  }
  const cloud = c.authMode === "cloud";
  return [
    state,
    ["Environment", c.environmentName ? `${c.environmentName} (${c.environmentUrl})` : (c.environmentUrl ?? "Not chosen yet")],
    ["Microsoft tenant", c.tenantDomain ? `${c.tenantDomain} (${c.tenantId})` : (c.tenantId ?? "Not known yet")],
    ["App (client) id", c.clientId ?? "Not created yet"],
    ...(cloud || c.securityRole ? [["Security role", roleLabel(c.securityRole) ?? "Not assigned yet"] as StatusRow] : []),
    ...(!cloud && c.integrationUsername ? [["Signs in as", c.integrationUsername] as StatusRow] : []),
    ...health,
    verified,
    ...(c.credentialMode
      ? ([
          ["Signs in with", c.credentialLabel ?? c.credentialMode],
          c.credentialMode === "connector"
            ? ["Expires", "Never: nothing is stored for this connection and nothing in your tenant expires"]
            : [c.credentialMode === "certificate" ? "Certificate expires" : "Client secret expires", when(c.secretExpiresAt)],
        ] as StatusRow[])
      : []),
  ];
}
