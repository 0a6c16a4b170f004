import { describe, expect, it } from "vitest";
import { statusRows, type StatusRowsInput } from "./status-rows";

const when = (iso: string | null) => iso ?? "Not yet";
const base: StatusRowsInput = {
  status: "active",
  authMode: "cloud",
  environmentUrl: "https://contoso.crm.dynamics.com",
  environmentName: "Contoso Sales",
  tenantId: "11111111-1111-1111-1111-111111111111",
  tenantDomain: "contoso.onmicrosoft.com",
  clientId: "22222222-2222-2222-2222-222222222222",
  securityRole: "leastPrivilege",
  lastVerifiedAt: "2026-12-06T10:00:00.000Z",
  secretExpiresAt: "2027-06-06T10:00:00.000Z",
  credentialMode: "certificate",
  credentialLabel: "A certificate",
  integrationUsername: null,
  onPremisesSignIn: null,
  adfsClientId: null,
  webApiVersion: null,
  health: null,
};
const labels = (input: StatusRowsInput) => statusRows(input, when).map(([label]) => label);

describe("the status page's facts", () => {
  it("a cloud connection lists its tenant, app, security role and credential", () => {
    expect(labels(base)).toEqual([
      "State",
      "Environment",
      "Microsoft tenant",
      "App (client) id",
      "Security role",
      "Last verified",
      "Signs in with",
      "Certificate expires",
    ]);
  });

  it("an on-premises connection lists only what it has: its server, the domain user and how it signs in, no tenant, app or role", () => {
    const onPrem: StatusRowsInput = {
      ...base,
      authMode: "onprem",
      environmentName: null,
      environmentUrl: "https://crm.contoso.local/contoso",
      tenantId: null,
      tenantDomain: null,
      clientId: null,
      securityRole: null,
      secretExpiresAt: null,
      credentialMode: null,
      credentialLabel: null,
      integrationUsername: "CONTOSO\\crmadmin",
      onPremisesSignIn: "adfs",
      adfsClientId: "33333333-3333-3333-3333-333333333333",
      webApiVersion: "9.0",
    };
    const rows = statusRows(onPrem, when);
    expect(rows.map(([label]) => label)).toEqual(["State", "Dynamics 365 server", "Signs in as", "Sign-in", "Web API version", "Last verified"]);
    expect(Object.fromEntries(rows)).toMatchObject({
      "Dynamics 365 server": "https://crm.contoso.local/contoso",
      "Signs in as": "CONTOSO\\crmadmin",
      "Sign-in": "AD FS (client id 33333333-3333-3333-3333-333333333333)",
      "Web API version": "9.0",
    });
    expect(Object.fromEntries(statusRows({ ...onPrem, onPremisesSignIn: "ntlm", adfsClientId: null }, when))["Sign-in"]).toBe(
      "Windows authentication (NTLM)",
    );
  });

  it("a legacy connection names its integration user too", () => {
    const legacy = {
      ...base,
      authMode: "legacy",
      securityRole: null,
      credentialMode: null,
      credentialLabel: null,
      integrationUsername: "sync@contoso.com",
    };
    expect(labels(legacy)).toEqual(["State", "Environment", "Microsoft tenant", "App (client) id", "Signs in as", "Last verified"]);
    expect(labels({ ...legacy, securityRole: "systemAdministrator" })).toContain("Security role");
  });
});
