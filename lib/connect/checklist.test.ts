import { describe, expect, it } from "vitest";
import { announcements, stepState, toChecklist, type RunInput, type StepInput } from "./checklist";

const step = (name: string, status: string, extra: Partial<StepInput> = {}): StepInput => ({
  name,
  label: `Label of ${name}`,
  status,
  attempts: 1,
  finishedAt: null,
  waitingFor: null,
  notBefore: null,
  error: null,
  ...extra,
});

const run = (status: string, steps: StepInput[]): RunInput => ({
  id: "run1",
  status,
  steps,
  connection: {
    id: "c1",
    status: "provisioning",
    environmentUrl: "https://contoso.crm.dynamics.com",
    environmentName: "Contoso Sales",
    tenantId: "t1",
    securityRole: "leastPrivilege",
    clientId: null,
  },
});

const failure = {
  code: "upstream_unavailable",
  message: "Microsoft is unavailable. Retry in a minute.",
  detail: "HTTP 503",
  requestIds: ["r-1", "r-2"],
};

describe("the checklist model", () => {
  it.each<[string, StepInput, string]>([
    ["pending", step("a", "pending"), "waiting"],
    ["running", step("a", "running"), "running"],
    ["succeeded", step("a", "succeeded"), "done"],
    ["skipped", step("a", "skipped"), "skipped"],
    ["waiting for Microsoft", step("a", "waiting", { waitingFor: "Microsoft to finish creating the app" }), "retrying"],
    ["waiting for the admin's consent", step("a", "waiting", { action: { kind: "adminConsent", url: "https://login/consent" } }), "needsYou"],
    [
      "failed for a missing role",
      step("a", "failed", { action: { kind: "missingRole", role: "Application Administrator", grantedBy: "a Global Administrator", howTo: "…" } }),
      "needsYou",
    ],
    ["failed", step("a", "failed", { error: failure }), "failed"],
  ])("%s → %s", (_name, input, state) => {
    expect(stepState(input)).toBe(state);
  });

  it("a failed setup needs the admin's sign-in again to retry; a failed re-check (verify-only run) does not", () => {
    const failed = run("failed", [step("verify", "failed", { error: failure })]);
    expect(toChecklist(failed, { adminSignedIn: false })).toMatchObject({ retryNeedsSignIn: true });
    expect(toChecklist(failed, { adminSignedIn: true })).toMatchObject({ retryNeedsSignIn: false });
    expect(toChecklist({ ...failed, kind: "verify" }, { adminSignedIn: false })).toMatchObject({ retryNeedsSignIn: false });
  });

  it("a failed on-premises run retries without a Microsoft sign-in: it never used one", () => {
    const failed = run("failed", [step("verify", "failed", { error: failure })]);
    const onPremises = { ...failed, connection: { ...failed.connection, authMode: "onprem" } };
    expect(toChecklist(onPremises, { adminSignedIn: false })).toMatchObject({ retryNeedsSignIn: false });
  });

  it("keeps the essentials and, for a failed step, the message, the code and Microsoft's request ids", () => {
    const snapshot = toChecklist(run("failed", [step("environment", "succeeded"), step("applicationUser", "failed", { error: failure })]), {
      adminSignedIn: true,
    });
    expect(snapshot.essentials).toEqual({
      environment: "Contoso Sales",
      environmentUrl: "https://contoso.crm.dynamics.com",
      tenantId: "t1",
      securityRole: "Act-On Integration (least privilege)",
      clientId: null,
    });
    expect(snapshot.settled).toBe(true);
    expect(snapshot.steps[1]).toMatchObject({
      state: "failed",
      message: failure.message,
      error: { code: "upstream_unavailable", detail: "HTTP 503", requestIds: ["r-1", "r-2"] },
    });
    expect(snapshot.steps[0].error).toBeNull();
  });

  it("says what a waiting step waits for", () => {
    const snapshot = toChecklist(run("waiting", [step("appRegistration", "waiting", { waitingFor: "Microsoft to finish creating the app." })]), {
      adminSignedIn: true,
    });
    expect(snapshot.steps[0].message).toBe("Waiting for Microsoft to finish creating the app.");
    expect(snapshot.settled).toBe(false);
  });

  it("announces each changed step once, and the run's outcome", () => {
    const before = toChecklist(run("running", [step("a", "succeeded"), step("b", "running"), step("c", "pending")]), { adminSignedIn: true });
    const after = toChecklist(run("failed", [step("a", "succeeded"), step("b", "succeeded"), step("c", "failed", { error: failure })]), {
      adminSignedIn: true,
    });
    expect(announcements(before, after)).toEqual([
      "Label of b: Done.",
      `Label of c: Failed. ${failure.message}`,
      "The setup stopped. See the failed step for what to do, then choose Retry.",
    ]);
    expect(announcements(after, after)).toEqual([]);
    expect(announcements(null, after)).toEqual([]);
    const done = toChecklist(run("succeeded", [step("a", "succeeded"), step("b", "succeeded"), step("c", "succeeded")]), { adminSignedIn: true });
    expect(announcements(after, done)).toContain("All steps are done. Your Dynamics connection is active.");
  });
});
