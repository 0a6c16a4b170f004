import { describe, expect, it } from "vitest";
import { PreparedRole, type EnsuredRole } from "./prepared-role";

const TARGET = { environmentUrl: "https://contoso.crm.dynamics.com", businessUnitId: "BU-1", roleName: "Act-On Integration" };
const ENSURED = {
  role: { roleId: "r-1", name: "Act-On Integration", businessUnitId: "BU-1", templateId: null },
  unavailable: [],
  removed: [],
  created: true,
};

describe("PreparedRole", () => {
  it("begins once a drive and hands the role out once, to a step that wants the same role in the same environment", async () => {
    let begun = 0;
    const roles = new PreparedRole();
    const work = async (): Promise<EnsuredRole> => {
      begun += 1;
      return ENSURED;
    };
    roles.prepare(TARGET, work);
    roles.prepare(TARGET, work);
    expect(begun).toBe(1);
    expect(roles.take({ ...TARGET, roleName: "Another role" })).toBeNull();
    expect(roles.take({ ...TARGET, businessUnitId: "BU-2" })).toBeNull();
    expect(roles.take({ ...TARGET, environmentUrl: "https://fabrikam.crm.dynamics.com" })).toBeNull();
    await expect(roles.take({ ...TARGET, environmentUrl: `${TARGET.environmentUrl.toUpperCase()}/`, businessUnitId: "bu-1" })).resolves.toBe(ENSURED);
    expect(roles.take(TARGET)).toBeNull();
    // Taken or not, a drive begins the role once: the step that took it does any later attempt's work itself.
    roles.prepare(TARGET, work);
    expect(begun).toBe(1);
  });

  it("leaves a failed preparation to the step that takes it", async () => {
    const roles = new PreparedRole();
    roles.prepare(TARGET, () => Promise.reject(new Error("503")));
    await new Promise((r) => setTimeout(r, 0)); // an unhandled rejection would surface here
    await expect(roles.take(TARGET)).rejects.toThrow("503");
  });
});
