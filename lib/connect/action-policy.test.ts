import { describe, expect, it } from "vitest";
import type { SessionIntent } from "../sessions/session-view";
import { ACTION_POLICIES, checkActionPolicy, JOURNEY_ACTIONS, type PolicyFacts } from "./action-policy";

const facts = (over: Partial<PolicyFacts> = {}): PolicyFacts => ({
  intent: "connect",
  ownSignIn: { tenantId: "T1" },
  signedInAs: { tenantId: "T1" },
  tenantId: "t1",
  onPremises: false,
  ...over,
});

describe("the journey's action policy", () => {
  it("lets a status link only look (and sign out)", () => {
    for (const action of JOURNEY_ACTIONS) {
      const refusal = checkActionPolicy(action, facts({ intent: "status" }));
      expect(refusal?.reason ?? null, action).toBe(action === "view" || action === "signOut" ? null : "intent");
    }
  });

  it("confines a hand-off session to signing in, re-checking, approving and retrying", () => {
    const allowed = JOURNEY_ACTIONS.filter((a) => checkActionPolicy(a, facts({ intent: "handoff" })) === null);
    expect(allowed.sort()).toEqual(["approvePlan", "recheckPlan", "retryRun", "signIn", "signOut", "view"].sort());
    expect(checkActionPolicy("disconnect", facts({ intent: "handoff" }))?.message).toMatch(/hand-off link/);
  });

  it("asks for the person's own sign-in for every action that acts in the tenant, and from the tenant it acts in", () => {
    const needsOwn = JOURNEY_ACTIONS.filter((a) => checkActionPolicy(a, facts({ ownSignIn: null }))?.reason === "signIn");
    expect(needsOwn.sort()).toEqual(
      ["approvePlan", "changeEnvironment", "chooseEnvironment", "disconnect", "manual", "onPremises", "recheckPlan", "repair", "retryRun"].sort(),
    );
    const otherTenant = JOURNEY_ACTIONS.filter(
      (a) => checkActionPolicy(a, facts({ ownSignIn: { tenantId: "t2" }, signedInAs: { tenantId: "t2" } }))?.reason === "tenant",
    );
    expect(otherTenant.sort()).toEqual([...needsOwn, "createHandoff"].sort());
    for (const action of JOURNEY_ACTIONS) expect(checkActionPolicy(action, facts()), action).toBeNull();
  });

  it("lets a plan's preparer hand it off while signed in, though a colleague's sign-in has replaced the stored one", () => {
    expect(checkActionPolicy("createHandoff", facts({ ownSignIn: null }))).toBeNull();
    expect(checkActionPolicy("createHandoff", facts({ ownSignIn: null, signedInAs: null }))?.reason).toBe("signIn");
  });

  it("lets the first plan be prepared before any tenant is known, by whoever signed in", () => {
    expect(checkActionPolicy("chooseEnvironment", facts({ tenantId: null, ownSignIn: { tenantId: "any" } }))).toBeNull();
    expect(checkActionPolicy("chooseEnvironment", facts({ tenantId: null, ownSignIn: null }))?.reason).toBe("signIn");
  });

  it("needs no Microsoft sign-in on an on-premises connection's runs, nor for manual setup of a connection without a tenant", () => {
    for (const action of ["approvePlan", "retryRun", "disconnect"] as const)
      expect(checkActionPolicy(action, facts({ onPremises: true, ownSignIn: null, tenantId: null })), action).toBeNull();
    for (const action of ["manual", "onPremises"] as const) {
      expect(checkActionPolicy(action, facts({ ownSignIn: null, tenantId: null })), action).toBeNull();
      expect(checkActionPolicy(action, facts({ ownSignIn: null }))?.reason, action).toBe("signIn");
    }
  });

  it("answers a page by the session's kind only: the page explains a missing sign-in, its action asks again", () => {
    expect(checkActionPolicy("disconnect", facts({ ownSignIn: null }), "page")).toBeNull();
    expect(checkActionPolicy("disconnect", facts({ intent: "status" }), "page")?.reason).toBe("intent");
  });

  it("declares a policy for every action and only known session kinds", () => {
    const intents: SessionIntent[] = ["connect", "reconnect", "status", "handoff"];
    for (const action of JOURNEY_ACTIONS) for (const i of ACTION_POLICIES[action].intents) expect(intents).toContain(i);
  });
});
