import { describe, expect, it } from "vitest";
import { explainLegacyRefusal, WAY_OUT_TEXT } from "./legacy-refusal";

const NEVER_ADVISED = /turn (per-user )?MFA off|disable (MFA|multi-factor)|turn security defaults off/i;

describe("explaining a refused legacy plan", () => {
  it("no blockers, no refusal", () => {
    expect(explainLegacyRefusal([], "crm@contoso.com")).toBeNull();
  });

  it("an integration user with MFA enforced: names the user; ways out are the recommended mode, then a dedicated account", () => {
    const r = explainLegacyRefusal([{ code: "mfa_required", reason: "mfa_enforced", message: "engine words" }], "mfa.admin@contoso.com")!;
    expect(r.mfa).toBe(true);
    expect(r.title).toBe("Legacy mode cannot sign in as this integration user");
    expect(r.problems[0].text).toMatch(/^mfa\.admin@contoso\.com has to use multi-factor authentication/);
    expect(r.waysOut).toEqual(["recommended", "dedicatedAccount"]);
  });

  it("security defaults: the tenant is named, not the user; the way out through Conditional Access keeps MFA for admins", () => {
    const r = explainLegacyRefusal([{ code: "mfa_required", reason: "security_defaults", message: "engine words" }], "crm@contoso.com")!;
    expect(r.title).toBe("Legacy mode cannot work in this tenant");
    expect(r.problems[0].text).toMatch(/Security defaults are on/);
    expect(r.waysOut).toEqual(["recommended", "conditionalAccess"]);
    expect(WAY_OUT_TEXT.conditionalAccess).toMatch(/keep MFA required for all administrators/);
  });

  it("a plan from before blockers had reasons still reads as the user's MFA", () => {
    const r = explainLegacyRefusal([{ code: "mfa_required", message: "old engine words" }], null)!;
    expect(r.problems[0].text).toMatch(/^The integration user has to use multi-factor/);
  });

  it("other blockers keep the engine's words and say to fix and try again", () => {
    const r = explainLegacyRefusal(
      [{ code: "insufficient_privileges", reason: "directory_role", message: "Ask a Global Administrator." }],
      "x@y.com",
    )!;
    expect(r).toMatchObject({ title: "Fix these first", mfa: false, waysOut: ["fixAndRetry"] });
    expect(r.problems[0].text).toBe("Ask a Global Administrator.");
  });

  it("never tells anyone to turn MFA or security defaults off", () => {
    for (const text of Object.values(WAY_OUT_TEXT)) expect(text).not.toMatch(NEVER_ADVISED);
    for (const reason of ["mfa_enforced", "security_defaults"] as const) {
      const r = explainLegacyRefusal([{ code: "mfa_required", reason, message: "" }], "u@c.com")!;
      for (const p of r.problems) expect(p.text).not.toMatch(NEVER_ADVISED);
    }
  });
});
