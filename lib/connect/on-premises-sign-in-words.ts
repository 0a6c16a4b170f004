/**
 * The on-premises sign-in in the admin's words: what the server asked for, and for AD FS the PowerShell that
 * registers Act-On as a client of the customer's AD FS (Microsoft's "Register a Dynamics 365 app with Active
 * Directory" for IFD: claims-based OAuth on the Dynamics server, then `Add-AdfsClient`). Pure.
 */
import type { OnPremisesSignIn } from "../microsoft/www-authenticate";

/** The name Act-On's client gets in the customer's AD FS. */
const ADFS_CLIENT_NAME = "Act-On Dynamics connector";

export type DiscoveredSignIn = { kind: "ntlm" } | { kind: "adfs"; adfsHost: string; resourceId: string };

export function discoveredSignIn(signIn: OnPremisesSignIn): DiscoveredSignIn | null {
  if (signIn.kind === "ntlm") return { kind: "ntlm" };
  if (signIn.kind === "adfs") return { kind: "adfs", adfsHost: new URL(signIn.authorizationUri).host, resourceId: signIn.resourceId };
  return null;
}

export function describeSignIn(signIn: DiscoveredSignIn): { title: string; body: string } {
  if (signIn.kind === "ntlm")
    return {
      title: "Your server signs in with Windows authentication (NTLM)",
      body: "Act-On will sign in as a domain user of your Dynamics 365 organization, the way a browser on your network does. Enter the user as DOMAIN\\user or user@domain.",
    };
  return {
    title: `Your server signs in through AD FS (${signIn.adfsHost})`,
    body: "This is an Internet-facing deployment: Act-On asks your AD FS for a token for Dynamics 365 as a domain user, as a client your AD FS administrator registers once with the PowerShell below.",
  };
}

/** The redirect URI the registration names: the password grant never redirects, but `Add-AdfsClient` requires one. */
export const adfsRedirectUri = (portalBaseUrl: string) => `${portalBaseUrl.replace(/\/+$/, "")}/connect/adfs`;

/** PowerShell quoting: single quotes, with a single quote doubled. */
const ps = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function adfsRegistrationPowerShell(input: { clientId: string; redirectUri: string }): string {
  return [
    "# On the Dynamics 365 server with the Deployment Administration role: allow OAuth (claims) sign-in.",
    "Add-PSSnapin Microsoft.Crm.PowerShell",
    "$ClaimsSettings = Get-CrmSetting -SettingType OAuthClaimsSettings",
    "$ClaimsSettings.Enabled = $true",
    "Set-CrmSetting -Setting $ClaimsSettings",
    "",
    "# On the AD FS server: register Act-On as a client.",
    `Add-AdfsClient -ClientId ${ps(input.clientId)} -Name ${ps(ADFS_CLIENT_NAME)} -RedirectUri ${ps(input.redirectUri)}`,
  ].join("\n");
}
