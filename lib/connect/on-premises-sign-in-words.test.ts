import { describe, expect, it } from "vitest";
import { suggestedAdfsClientId } from "./adfs-client-id";
import { adfsRedirectUri, adfsRegistrationPowerShell, describeSignIn, discoveredSignIn } from "./on-premises-sign-in-words";

describe("on-premises sign-in words", () => {
  it("says which sign-in the server uses, naming the AD FS host", () => {
    expect(describeSignIn({ kind: "ntlm" }).title).toBe("Your server signs in with Windows authentication (NTLM)");
    const adfs = discoveredSignIn({
      kind: "adfs",
      authorizationUri: "https://sts.contoso.com/adfs/oauth2/authorize",
      resourceId: "https://crm.contoso.com/",
    });
    expect(adfs).toEqual({ kind: "adfs", adfsHost: "sts.contoso.com", resourceId: "https://crm.contoso.com/" });
    expect(describeSignIn(adfs!).title).toBe("Your server signs in through AD FS (sts.contoso.com)");
    expect(discoveredSignIn({ kind: "kerberos_only" })).toBeNull();
  });

  it("suggests a stable GUID client id per connection", () => {
    const id = suggestedAdfsClientId("conn-1");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(suggestedAdfsClientId("conn-1")).toBe(id);
    expect(suggestedAdfsClientId("conn-2")).not.toBe(id);
  });

  it("writes the exact PowerShell with the portal's values, quoted", () => {
    const script = adfsRegistrationPowerShell({
      clientId: "a7c3e1d2-5b4f-4e6a-9c8d-0f1e2d3c4b5a",
      redirectUri: adfsRedirectUri("https://portal.example.com/"),
    });
    expect(script).toContain("Set-CrmSetting -Setting $ClaimsSettings");
    expect(script).toContain(
      "Add-AdfsClient -ClientId 'a7c3e1d2-5b4f-4e6a-9c8d-0f1e2d3c4b5a' -Name 'Act-On Dynamics connector' -RedirectUri 'https://portal.example.com/connect/adfs'",
    );
    expect(adfsRegistrationPowerShell({ clientId: "x'y", redirectUri: "https://p/connect/adfs" })).toContain("-ClientId 'x''y'");
  });
});
