import { describe, expect, it } from "vitest";
import { mapMicrosoftError, MicrosoftError, upstreamCodeOf } from "@/lib/microsoft/errors";
import type { IdentityConfig } from "@/lib/microsoft/identity-config";
import { missingTablesNote, tokenProblem } from "./verify-manual-connection";

const config: IdentityConfig = {
  authorityHost: "https://login.microsoftonline.com",
  graphUrl: "https://graph.microsoft.com",
  discoveryUrl: "https://globaldisco.crm.dynamics.com",
};
const input = {
  tenant: "contoso.onmicrosoft.com",
  clientId: "11111111-2222-4333-8444-555555555555",
  clientSecret: "not-a-real-secret",
  environmentUrl: "https://contoso.crm.dynamics.com",
};

/** The MicrosoftError the token client throws for Entra's answer with this AADSTS number. */
function refusal(aadsts: number, error: string, description: string): MicrosoftError {
  const body = { error, error_description: `AADSTS${aadsts}: ${description}`, error_codes: [aadsts] };
  return new MicrosoftError({
    appError: mapMicrosoftError({ service: "identity", status: 400, body }),
    service: "identity",
    status: 400,
    upstreamCode: upstreamCodeOf(body),
  });
}

describe("the manual path's token refusals", () => {
  it("AADSTS90013 (invalid input from the user) is not a tenant that was not found", () => {
    const problem = tokenProblem(refusal(90013, "invalid_request", "Invalid input received from the user."), input, config);
    expect(problem.title).not.toMatch(/tenant not found/i);
    expect(problem.fix).not.toMatch(/has no tenant/);
    expect(problem).toMatchObject({ field: null, title: "Microsoft could not accept a value entered" });
    expect(problem.detail).toContain("AADSTS90013");
  });

  it("AADSTS90002 still names the tenant", () => {
    const problem = tokenProblem(refusal(90002, "invalid_request", "Tenant 'x' not found."), input, config);
    expect(problem).toMatchObject({ part: "tenant", field: "tenant", title: "Tenant not found" });
  });
});

describe("what an environment without Dynamics 365 Sales costs (the manual page's words)", () => {
  it("names the missing Sales tables and the Act-On features they serve, in the plan's words", () => {
    const note = missingTablesNote(["leads", "lists"]);
    expect(note).toMatch(/does not have Lead records, Marketing List records \(Dynamics 365 Sales is not installed\)/);
    expect(note).toMatch(/Sync leads both ways/);
    expect(note).toMatch(/Import Dynamics marketing lists/);
  });

  it("says nothing for tables that are not the connector's Sales tables", () => {
    expect(missingTablesNote([])).toBeNull();
    expect(missingTablesNote(["contacts", "<b>anything</b>"])).toBeNull();
  });
});
