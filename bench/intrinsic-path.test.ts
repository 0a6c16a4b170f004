import { describe, expect, it } from "vitest";
import { intrinsicBound, longestChain, ONBOARDING_CALLS, type DeclaredCall } from "./intrinsic-path";

const call = (id: string, phase: DeclaredCall["phase"], ...needs: string[]): DeclaredCall => ({
  id,
  phase,
  call: id,
  needs: needs.map((on) => ({ on, why: "test" })),
});

describe("longestChain", () => {
  it("follows needs, not declaration order, and branches that meet only later run side by side", () => {
    const calls = [
      call("user", "apply", "sp", "bu"),
      call("app", "apply"),
      call("sp", "apply", "app"),
      call("bu", "apply"),
      call("role", "apply", "bu"),
      call("assign", "apply", "user", "role"),
    ];
    expect(longestChain(calls, "apply").map((c) => c.id)).toEqual(["app", "sp", "user", "assign"]);
  });

  it("starts each phase afresh: a need on an earlier phase adds nothing inside the later one", () => {
    const calls = [call("token", "sign-in"), call("a", "plan", "token"), call("b", "plan", "a"), call("c", "apply", "b")];
    expect(longestChain(calls, "plan").map((c) => c.id)).toEqual(["a", "b"]);
    expect(intrinsicBound(calls).total).toBe(4);
  });

  it("refuses an undeclared need, a need on a later phase, and a cycle", () => {
    expect(() => longestChain([call("a", "plan", "ghost")], "plan")).toThrow(/undeclared/);
    expect(() => longestChain([call("a", "plan", "b"), call("b", "apply")], "plan")).toThrow(/later phase/);
    expect(() => longestChain([call("a", "apply", "b"), call("b", "apply", "a")], "apply")).toThrow(/cycle/);
  });
});

describe("the onboarding's declared calls", () => {
  it("say why every need exists", () => {
    for (const c of ONBOARDING_CALLS) for (const need of c.needs) expect(need.why.length, `${c.id} → ${need.on}`).toBeGreaterThan(10);
  });

  it("bound the onboarding: the Graph and Dataverse branches meet only at the application user", () => {
    const { phases, total } = intrinsicBound(ONBOARDING_CALLS);
    expect(phases["sign-in"].map((c) => c.id)).toEqual(["signIn"]);
    expect(phases.plan.length).toBe(5);
    expect(phases.apply.map((c) => c.id)).toEqual(["createApp", "createPrincipal", "createApplicationUser", "assignRole", "verifyWhoAmI"]);
    expect(total).toBe(11);
  });
});
