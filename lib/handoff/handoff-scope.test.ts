import { describe, expect, it } from "vitest";
import { checkHandoffPin, describePinnedPlan, isSameMicrosoftAccount, samePlanEnvironment } from "./handoff-scope";

describe("isSameMicrosoftAccount", () => {
  const me = { tenantId: "T1", username: "Admin@Contoso.onmicrosoft.com" };
  it.each([
    [{ tenantId: "t1", username: "admin@contoso.onmicrosoft.com" }, me, true],
    [{ tenantId: "t1", username: "user@contoso.onmicrosoft.com" }, me, false],
    [{ tenantId: "t2", username: "admin@contoso.onmicrosoft.com" }, me, false],
    [{ tenantId: null, username: "admin@contoso.onmicrosoft.com" }, me, false],
    [{ tenantId: "t1", username: null }, me, false],
    [{ tenantId: "t1", username: "admin@contoso.onmicrosoft.com" }, null, false],
  ])("%o is %o's own sign-in: %s", (stored, signedIn, same) => {
    expect(isSameMicrosoftAccount(stored, signedIn)).toBe(same);
  });
});

describe("checkHandoffPin", () => {
  const now = new Date("2026-12-06T10:00:00Z");
  const env = "https://contoso.crm.dynamics.com";
  const pin = { runId: "run-1", kind: "connect", role: "leastPrivilege", environment: env };
  const link = { expiresAt: new Date(now.getTime() + 3_600_000), revokedAt: null, pin };
  const run = { status: "awaitingApproval", hasFailedStep: false, kind: "connect", role: "leastPrivilege", environment: `${env}/` };
  const check = (over: Partial<Parameters<typeof checkHandoffPin>[0]> = {}) =>
    checkHandoffPin({ action: "approvePlan", link, run, request: { runId: "run-1", role: "leastPrivilege" }, now, ...over });

  it("lets the colleague act on the pinned plan as it is, and view whatever happened", () => {
    expect(check()).toBeNull();
    expect(check({ action: "recheckPlan", request: { runId: "run-1" } })).toBeNull();
    expect(check({ action: "view", link: null, run: null })).toBeNull();
  });

  it.each([
    ["another role", { request: { runId: "run-1", role: "systemAdministrator" } }, "ask them for a new link to change it"],
    ["another run", { request: { runId: "run-2", role: "leastPrivilege" } }, "ask them for a new link to change it"],
    ["a pinned run now of another kind", { run: { ...run, kind: "migrate" } }, "ask them for a new link to change it"],
    [
      "a pinned run now for another environment",
      { run: { ...run, environment: "https://other.crm.dynamics.com" } },
      "ask them for a new link to change it",
    ],
    ["an expired link", { link: { ...link, expiresAt: now } }, "has expired"],
    ["a withdrawn link", { link: { ...link, revokedAt: now } }, "was withdrawn"],
    ["a link that names no plan", { link: { ...link, pin: { ...pin, runId: null } } }, "does not name a plan"],
    ["a finished run", { run: { ...run, status: "succeeded" } }, "has ended (succeeded)"],
    ["a cancelled run", { run: { ...run, status: "cancelled" } }, "has ended (cancelled)"],
    ["a failed run with nothing to retry", { run: { ...run, status: "failed" } }, "has ended (failed)"],
  ] as const)("refuses %s in words", (_label, over, words) => {
    const refusal = check(over as Partial<Parameters<typeof checkHandoffPin>[0]>);
    expect(refusal?.code).toBe("forbidden");
    expect(refusal?.userMessage).toContain(words);
  });

  it("keeps a failed run with a failed step open for its retry", () => {
    expect(check({ action: "retryRun", run: { ...run, status: "failed", hasFailedStep: true }, request: { runId: "run-1" } })).toBeNull();
  });

  it("names the pinned plan in the refusal", () => {
    expect(describePinnedPlan(pin)).toBe(`the plan to connect Act-On to ${env} with the least-privilege security role`);
    expect(describePinnedPlan({ ...pin, kind: "migrate", role: "systemAdministrator" })).toBe(
      `the plan to move Act-On's connection to OAuth for ${env} with the System Administrator role`,
    );
    expect(samePlanEnvironment(env, `${env.toUpperCase()}/`)).toBe(true);
    expect(samePlanEnvironment(env, null)).toBe(false);
  });
});
