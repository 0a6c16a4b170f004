/** Pure decisions of the Microsoft-facing steps: environment audience, least privilege, preconditions. */
import { describe, expect, it } from "vitest";
import { DATAVERSE_ROLE_TEMPLATES, DIRECTORY_ROLE_TEMPLATES } from "../../microsoft/constants";
import type { DynamicsEnvironment } from "../../microsoft/discovery";
import type { AppRegistration } from "../../microsoft/graph";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../least-privilege-role";
import { isAcceptedWebRedirectUri, runOptionsSchema } from "../../domain/run/run-options";
import { flowsMatch } from "./app-registration";
import { leastPrivilegeDelta } from "./application-user";
import { unavailableFeatures } from "../least-privilege-role";
import { chooseEnvironment } from "./environment";
import { findProblems, findWarnings } from "./preconditions";

const env = (over: Partial<DynamicsEnvironment> = {}): DynamicsEnvironment => ({
  id: "org-1",
  environmentId: "env-1",
  friendlyName: "Contoso Sales",
  uniqueName: "contososales",
  url: "https://contoso.crm.dynamics.com",
  apiUrl: "https://contoso.api.crm.dynamics.com",
  region: "NA",
  version: "9.2",
  state: "enabled",
  isUserSysAdmin: true,
  ...over,
});

describe("the environment's token audience", () => {
  it("a pasted Web API address (Discovery's ApiUrl) resolves to the environment's URL", () => {
    const choice = chooseEnvironment("https://contoso.api.crm.dynamics.com/api/data/v9.2", [env()], ["*.dynamics.com"]);
    expect(choice).toMatchObject({ kind: "resolved", url: "https://contoso.crm.dynamics.com", name: "Contoso Sales" });
  });

  it("a pasted URL Discovery does not know is used as pasted", () => {
    const choice = chooseEnvironment("https://other.crm.dynamics.com", [env()], ["*.dynamics.com"]);
    expect(choice).toMatchObject({ kind: "resolved", url: "https://other.crm.dynamics.com", fromDiscovery: false });
  });
});

describe("least privilege means least", () => {
  const catalog = LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p, i) => ({ privilegeId: `p-${i}`, name: p.name }));
  it("adds what is missing and removes what a reused role holds beyond Act-On's needs", () => {
    const held = [
      { privilegeId: "p-0", name: catalog[0].name, depth: "Global" },
      { privilegeId: "p-1", name: catalog[1].name, depth: "Basic" },
      { privilegeId: "x-1", name: "prvDeleteAccount", depth: "Global" },
    ];
    const delta = leastPrivilegeDelta({ catalog, held });
    expect(delta.toAdd.map((p) => p.privilegeId)).toContain("p-1");
    expect(delta.toAdd.map((p) => p.privilegeId)).not.toContain("p-0");
    expect(delta.toRemove).toEqual([{ privilegeId: "x-1", name: "prvDeleteAccount" }]);
    expect(delta.unavailable).toEqual([]);
  });

  it("an environment without Dynamics 365 Sales lacks lead and list privileges: they are reported, not fatal", () => {
    const noSales = catalog.filter((p) => !/Lead$|List$/.test(p.name));
    const delta = leastPrivilegeDelta({ catalog: noSales, held: [] });
    expect(delta.unavailable.map((p) => p.name)).toEqual(expect.arrayContaining(["prvReadLead", "prvReadList"]));
    expect(delta.toAdd).toHaveLength(noSales.length);
    expect(unavailableFeatures(delta.unavailable).join(" ")).toMatch(/leads/i);
    expect(unavailableFeatures(delta.unavailable).join(" ")).toMatch(/marketing lists/i);
  });
});

describe("preconditions", () => {
  const base = { directoryRoleTemplateIds: [DIRECTORY_ROLE_TEMPLATES.globalAdministrator], environmentRoleTemplateIds: [] as string[] };
  it("a tenant admin without System Administrator is told how to self-elevate in Power Platform admin center", () => {
    const [problem] = findProblems(base, "cloud");
    expect(problem.message).toMatch(/Power Platform admin center/);
    expect(problem.message).toMatch(/Add me/);
    expect(problem.message).toMatch(/Global Administrator/);
  });

  it("someone who cannot self-elevate is told whom to ask", () => {
    const [problem] = findProblems({ ...base, directoryRoleTemplateIds: [DIRECTORY_ROLE_TEMPLATES.applicationAdministrator] }, "cloud");
    expect(problem.message).not.toMatch(/Add me/);
    expect(problem.message).toMatch(/Ask/);
  });

  it("System Administrator counts however it is held (the facts include team roles)", () => {
    expect(findProblems({ ...base, environmentRoleTemplateIds: [DATAVERSE_ROLE_TEMPLATES.systemAdministrator] }, "cloud")).toEqual([]);
  });

  const sysAdminFacts = {
    directoryRoleTemplateIds: [DIRECTORY_ROLE_TEMPLATES.globalAdministrator],
    environmentRoleTemplateIds: [DATAVERSE_ROLE_TEMPLATES.systemAdministrator],
  };
  const NEVER_ADVISED = /turn (per-user )?MFA off|disable (MFA|multi-factor)|turn security defaults off|security defaults off/i;

  it("legacy: an integration user with MFA enforced is a blocker naming the ways out, never 'turn MFA off'", () => {
    const problems = findProblems({ ...sysAdminFacts, integrationUser: { mfaState: "enforced", securityDefaultsEnabled: false } }, "legacy");
    expect(problems.map((p) => [p.code, p.reason])).toEqual([["mfa_required", "mfa_enforced"]]);
    expect(problems[0].message).not.toMatch(NEVER_ADVISED);
    expect(problems[0].message).toMatch(/recommended app-only mode/);
    expect(problems[0].message).toMatch(/dedicated integration account/);
    expect(problems[0].message).toMatch(/Conditional Access/);
  });

  it("legacy: security defaults are a blocker of their own, with the ways out and MFA kept for administrators", () => {
    const problems = findProblems({ ...sysAdminFacts, integrationUser: { mfaState: "disabled", securityDefaultsEnabled: true } }, "legacy");
    expect(problems.map((p) => [p.code, p.reason])).toEqual([["mfa_required", "security_defaults"]]);
    expect(problems[0].message).not.toMatch(NEVER_ADVISED);
    expect(problems[0].message).toMatch(/recommended app-only mode/);
    expect(problems[0].message).toMatch(/administrators/);
  });

  it("an admin whose consent-capable role is only PIM-eligible is told to activate it, by name, then continue", () => {
    const facts = {
      ...sysAdminFacts,
      directoryRoleTemplateIds: [],
      eligibleDirectoryRoleTemplateIds: [DIRECTORY_ROLE_TEMPLATES.applicationAdministrator],
    };
    const [problem] = findProblems(facts, "cloud");
    expect(problem.reason).toBe("directory_role_inactive");
    expect(problem.message).toMatch(/activate your Application Administrator role in Privileged Identity Management.*then continue/i);
    expect(problem.message).not.toMatch(/Ask a Global Administrator/);
  });

  it("an eligible role that cannot register apps is no way out; unread eligibility is named as a possible cause", () => {
    const notCapable = findProblems(
      { ...sysAdminFacts, directoryRoleTemplateIds: [], eligibleDirectoryRoleTemplateIds: [DIRECTORY_ROLE_TEMPLATES.globalReader] },
      "cloud",
    );
    expect(notCapable.map((p) => p.reason)).toEqual(["directory_role"]);
    expect(notCapable[0].message).not.toMatch(/Privileged Identity Management/);
    const unknown = findProblems({ ...sysAdminFacts, directoryRoleTemplateIds: [], eligibleDirectoryRoleTemplateIds: null }, "cloud");
    expect(unknown.map((p) => p.reason)).toEqual(["directory_role"]);
    expect(unknown[0].message).toMatch(/Ask a Global Administrator/);
    expect(unknown[0].message).toMatch(/Privileged Identity Management.*did not let us check/);
  });

  it("role problems say which role is missing (reason directory_role / environment_role)", () => {
    const problems = findProblems({ directoryRoleTemplateIds: [], environmentRoleTemplateIds: null }, "cloud");
    expect(problems.map((p) => p.reason)).toEqual(["directory_role", "environment_role"]);
  });

  it("legacy: an unknown MFA state never advises turning MFA off", () => {
    for (const roles of [[DIRECTORY_ROLE_TEMPLATES.globalAdministrator], [DIRECTORY_ROLE_TEMPLATES.applicationAdministrator]]) {
      const [warning] = findWarnings(
        { ...sysAdminFacts, directoryRoleTemplateIds: roles, integrationUser: { mfaState: "unknown", securityDefaultsEnabled: false } },
        "legacy",
      );
      expect(warning).toMatch(/multi-factor authentication/);
      expect(warning).not.toMatch(NEVER_ADVISED);
    }
  });

  it("legacy: an MFA state nobody could read is reported with its consequence and the role that reads it", () => {
    const facts = {
      ...base,
      directoryRoleTemplateIds: [DIRECTORY_ROLE_TEMPLATES.applicationAdministrator],
      environmentRoleTemplateIds: [DATAVERSE_ROLE_TEMPLATES.systemAdministrator],
      integrationUser: { mfaState: "unknown" as const, securityDefaultsEnabled: false },
    };
    expect(findProblems(facts, "legacy")).toEqual([]);
    const [warning] = findWarnings(facts, "legacy");
    expect(warning).toMatch(/Global Reader or Authentication Policy Administrator/);
    expect(warning).toMatch(/MFA message/);
    expect(warning).not.toMatch(/Application Administrator/);
  });
});

describe("consent redirect URI and app flags", () => {
  it("must be https (Entra registers no other web redirect URI but localhost)", () => {
    expect(isAcceptedWebRedirectUri("https://portal.example.com/consent")).toBe(true);
    expect(isAcceptedWebRedirectUri("http://portal.example.com/consent")).toBe(false);
    expect(isAcceptedWebRedirectUri("javascript:alert(1)")).toBe(false);
    expect(isAcceptedWebRedirectUri("https://portal.example.com/consent#x")).toBe(false);
    const parsed = runOptionsSchema.safeParse({
      mode: "cloud",
      consent: "redirect",
      consentRedirectUri: "http://portal.example.com/c",
      requestedBy: "x",
    });
    expect(parsed.success).toBe(false);
  });

  it("legacy needs public client flows and ID tokens, never implicit access tokens; a consent URI must be registered", () => {
    const app = (over: Partial<AppRegistration>): AppRegistration => ({
      objectId: "o",
      appId: "a",
      displayName: "Act-On Integration",
      tags: [],
      allowsPublicClientFlows: true,
      implicitIdTokenIssuance: true,
      implicitAccessTokenIssuance: false,
      webRedirectUris: [],
      secrets: [],
      certificates: [],
      requestsDynamicsImpersonation: true,
      ...over,
    });
    expect(flowsMatch(app({}), true)).toBe(true);
    expect(flowsMatch(app({ implicitAccessTokenIssuance: true }), true)).toBe(false);
    expect(flowsMatch(app({ allowsPublicClientFlows: false, implicitIdTokenIssuance: false }), false)).toBe(true);
    expect(flowsMatch(app({ allowsPublicClientFlows: false, implicitIdTokenIssuance: false }), false, "https://p.example/c")).toBe(false);
  });
});
