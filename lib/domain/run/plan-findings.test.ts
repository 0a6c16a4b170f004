import { describe, expect, it } from "vitest";
import { mayReusePlanFindings, PLAN_FINDINGS_FRESH_MS, stripPlanFindings, type PlanFindings, type ReuseQuestion } from "./plan-findings";

const READ_AT = new Date("2026-12-07T10:00:00Z");
const ENV = "https://contoso-sales.crm.dynamics.com";
const FINDINGS: PlanFindings = {
  readAt: READ_AT.toISOString(),
  readAs: "oid-1.tid-1",
  basis: { requestedEnvironment: "Contoso Sales", connectionTenantId: null, integrationUsername: null },
  environment: {
    output: {
      environmentUrl: ENV,
      environmentName: "Contoso Sales",
      organizationId: "org",
      tenantId: "tid-1",
      adminUserId: "oid-1",
      adminUpn: "a@c",
    },
    connectionPatch: { environmentUrl: ENV, environmentName: "Contoso Sales", environmentId: "env", tenantId: "tid-1", tenantDomain: "contoso.com" },
  },
  preconditions: { directoryRoles: ["Global Administrator"] },
  dataverse: {
    environmentUrl: ENV,
    rootBusinessUnit: { businessUnitId: "bu-1", name: "contoso" },
    privileges: [{ privilegeId: "p-1", name: "prvReadLead" }],
  },
};
const at = (ms: number) => new Date(READ_AT.getTime() + ms);
const base: ReuseQuestion = {
  step: "environment",
  findings: FINDINGS,
  now: at(90_000),
  attempt: 1,
  actingAs: "oid-1.tid-1",
  basis: { requestedEnvironment: "Contoso Sales", connectionTenantId: null, integrationUsername: null },
};

describe("may a step take the plan's findings instead of reading them again", () => {
  const cases: [string, Partial<ReuseQuestion>, boolean][] = [
    ["the first drive right after approval", {}, true],
    ["the preconditions step, same environment", { step: "preconditions", environmentUrl: ENV }, true],
    ["an environment URL that differs only in case", { step: "preconditions", environmentUrl: ENV.toUpperCase() }, true],
    ["the same account in other letter case", { actingAs: "OID-1.TID-1" }, true],
    ["reads exactly at the window's edge", { now: at(PLAN_FINDINGS_FRESH_MS) }, true],
    ["a plan read a few seconds 'later' by another instance's clock", { now: at(-5_000) }, true],
    ["reads just past the window (a resume after a wait or a crash)", { now: at(PLAN_FINDINGS_FRESH_MS + 1) }, false],
    ["a plan approved hours later", { now: at(3 * 60 * 60_000) }, false],
    ["a plan read far in the future (a broken clock)", { now: at(-10 * 60_000) }, false],
    ["a second attempt (throttled, failed or interrupted)", { attempt: 2 }, false],
    ["a plan that recorded nothing (older plans, on-premises, a blocked plan)", { findings: undefined }, false],
    [
      "a plan without precondition findings (a migration)",
      { step: "preconditions", environmentUrl: ENV, findings: { ...FINDINGS, preconditions: undefined } },
      false,
    ],
    ["no sign-in to act with", { actingAs: null }, false],
    ["another person's sign-in", { actingAs: "oid-2.tid-1" }, false],
    ["another environment asked for", { basis: { ...base.basis, requestedEnvironment: "Contoso Test" } }, false],
    ["the connection got a tenant since", { basis: { ...base.basis, connectionTenantId: "tid-1" } }, false],
    ["another integration user", { basis: { ...base.basis, integrationUsername: "crm@contoso.com" } }, false],
    [
      "preconditions after the environment step chose another environment",
      { step: "preconditions", environmentUrl: "https://other.crm.dynamics.com" },
      false,
    ],
    [
      "preconditions once the environment step recorded the connection's environment and tenant",
      { step: "preconditions", environmentUrl: ENV, basis: { requestedEnvironment: ENV, connectionTenantId: "tid-1", integrationUsername: null } },
      true,
    ],
    [
      "preconditions with another integration user",
      { step: "preconditions", environmentUrl: ENV, basis: { ...base.basis, integrationUsername: "x@c" } },
      false,
    ],
    ["preconditions without a recorded environment", { step: "preconditions", environmentUrl: null }, false],
    ["an unreadable read time", { findings: { ...FINDINGS, readAt: "yesterday" } }, false],
    ["the applicationUser step, same environment", { step: "applicationUser", environmentUrl: ENV }, true],
    ["the applicationUser step's second attempt", { step: "applicationUser", environmentUrl: ENV, attempt: 2 }, false],
    [
      "the applicationUser step of a plan that kept nothing of the environment's",
      { step: "applicationUser", environmentUrl: ENV, findings: { ...FINDINGS, dataverse: undefined } },
      false,
    ],
    [
      "the applicationUser step when the plan read another environment than the one chosen",
      {
        step: "applicationUser",
        environmentUrl: ENV,
        findings: { ...FINDINGS, dataverse: { ...FINDINGS.dataverse!, environmentUrl: "https://other.crm.dynamics.com" } },
      },
      false,
    ],
    ["the applicationUser step before the environment is recorded", { step: "applicationUser", environmentUrl: null }, false],
    [
      "admin consent, in the tenant the plan read Dynamics CRM's principal in",
      { step: "adminConsent", tenantId: "TID-1", findings: { ...FINDINGS, dynamicsPrincipalId: "sp-crm" } },
      true,
    ],
    ["admin consent, when the plan found no Dynamics CRM principal", { step: "adminConsent", tenantId: "tid-1" }, false],
    ["admin consent in another tenant", { step: "adminConsent", tenantId: "tid-2", findings: { ...FINDINGS, dynamicsPrincipalId: "sp-crm" } }, false],
    [
      "admin consent's second attempt",
      { step: "adminConsent", tenantId: "tid-1", attempt: 2, findings: { ...FINDINGS, dynamicsPrincipalId: "sp-crm" } },
      false,
    ],
  ];
  it.each(cases)("%s", (_name, change, expected) => {
    const answer = mayReusePlanFindings({ ...base, ...change });
    expect(answer.reuse).toBe(expected);
    if (!answer.reuse) expect(answer.why).toMatch(/\w/);
  });
});

describe("the plan without its findings", () => {
  it("drops only the findings", () => {
    const plan = { steps: [], blockers: [], environment: null, notes: ["n"], computedAt: READ_AT.toISOString(), findings: FINDINGS };
    expect(stripPlanFindings(plan)).toEqual({ steps: [], blockers: [], environment: null, notes: ["n"], computedAt: READ_AT.toISOString() });
  });
  it("leaves a plan without findings, and no plan, as they are", () => {
    const plan = { steps: [], notes: [] };
    expect(stripPlanFindings(plan)).toBe(plan);
    expect(stripPlanFindings(null)).toBeNull();
  });
});
