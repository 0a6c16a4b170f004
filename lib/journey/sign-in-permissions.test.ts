import { describe, expect, it } from "vitest";
import { ADMIN_GRAPH_PERMISSIONS } from "../microsoft/constants";
import { adminSignInScopes } from "../microsoft/identity";
import { signInPermissionLines } from "./sign-in-permissions";

describe("the sign-in page's permission lines", () => {
  it("has one plain line for every permission the sign-in asks for, and no other", () => {
    const config = {
      authorityHost: "https://login.example",
      graphUrl: "https://graph.microsoft.com",
      discoveryUrl: "https://globaldisco.crm.dynamics.com",
    };
    const asked = adminSignInScopes(config);
    const lines = signInPermissionLines();
    expect(asked.scopes).toHaveLength(ADMIN_GRAPH_PERMISSIONS.length);
    for (const scope of asked.scopes) {
      const name = scope.split("/").pop()!;
      expect(lines.find((l) => l.permission === `Microsoft Graph ${name}`)?.line.length).toBeGreaterThan(30);
    }
    expect(asked.extraScopesToConsent.every((s) => s.endsWith("/user_impersonation"))).toBe(true);
    expect(lines.find((l) => l.permission === "Dynamics CRM user_impersonation")).toBeTruthy();
    expect(lines).toHaveLength(asked.scopes.length + 1);
  });
});
