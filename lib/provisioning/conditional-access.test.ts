import { describe, expect, it } from "vitest";
import { conditionalAccessWarnings, type CaPolicy } from "./conditional-access";

type Users = NonNullable<NonNullable<CaPolicy["conditions"]>["users"]>;
const none: Users = { includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] };
const policy = (over: Partial<CaPolicy> & { users?: Partial<Users>; apps?: string[]; controls?: string[] } = {}): CaPolicy => ({
  id: "p1",
  displayName: "Require MFA for everyone",
  state: "enabled",
  conditions: {
    users: { ...none, includeUsers: ["All"], ...over.users },
    applications: { includeApplications: over.apps ?? ["All"], excludeApplications: [] },
    clientAppTypes: ["all"],
  },
  grantControls: { builtInControls: over.controls ?? ["mfa"], authenticationStrength: null },
  ...(over.state ? { state: over.state } : {}),
});

describe("Conditional Access policies that would ask the integration user's password sign-in for MFA", () => {
  it("an enabled policy requiring MFA of all users for all apps (or Dynamics 365) will refuse legacy mode: said before the run", () => {
    for (const apps of [["All"], ["00000007-0000-0000-c000-000000000000"]]) {
      const [warning] = conditionalAccessWarnings([policy({ apps })]);
      expect(warning).toMatch(/Conditional Access policy “Require MFA for everyone” requires multi-factor authentication/);
      expect(warning).toMatch(/refuse/);
      expect(warning).toMatch(/app-only mode/);
    }
  });

  it("one that targets some users, groups or roles, or excludes some, may apply: the admin checks the integration user is excluded", () => {
    const cases: Partial<Users>[] = [
      { includeUsers: [], includeGroups: ["g1"] },
      { excludeUsers: ["u1"] },
      { includeUsers: ["u1"] },
      { excludeGroups: ["g2"] },
    ];
    for (const users of cases) {
      const [warning] = conditionalAccessWarnings([policy({ users })]);
      expect(warning, JSON.stringify(users)).toMatch(/may apply to the integration user/);
    }
  });

  it("says nothing of a policy that is off, report-only, asks no MFA, or covers other apps only", () => {
    expect(
      conditionalAccessWarnings([
        policy({ state: "disabled" }),
        policy({ state: "enabledForReportingButNotEnforced" }),
        policy({ controls: ["compliantDevice"] }),
        policy({ apps: ["00000003-0000-0ff1-ce00-000000000000"] }),
      ]),
    ).toEqual([]);
  });

  it("an authentication strength is an MFA requirement too", () => {
    const strong = {
      ...policy({ controls: [] }),
      grantControls: { builtInControls: [], authenticationStrength: { id: "00000000-0000-0000-0000-000000000002" } },
    };
    expect(conditionalAccessWarnings([strong])).toHaveLength(1);
  });

  it("policies Microsoft would not let us read are said to be unchecked, with the roles that may read them", () => {
    expect(conditionalAccessWarnings(null)).toEqual([expect.stringMatching(/could not read your Conditional Access policies.*Security Reader/)]);
  });
});
