import { describe, expect, it } from "vitest";
import { checkSessionScope, HANDOFF_ACTIONS, isSameMicrosoftAccount, JOURNEY_ACTIONS } from "./handoff-scope";

describe("checkSessionScope", () => {
  it("lets an Act-On session take every action (its account is checked elsewhere)", () => {
    for (const action of JOURNEY_ACTIONS)
      expect(checkSessionScope({ intent: "reconnect", connectionId: "c1" }, { connectionId: "c2", action })).toBeNull();
  });

  it("confines a hand-off session to its connection and its few actions", () => {
    const session = { intent: "handoff", connectionId: "c1" };
    for (const action of JOURNEY_ACTIONS) {
      const refusal = checkSessionScope(session, { connectionId: "c1", action });
      expect(refusal?.code ?? null, action).toBe(HANDOFF_ACTIONS.includes(action) ? null : "forbidden");
      expect(checkSessionScope(session, { connectionId: "c2", action })?.code, action).toBe("not_found");
    }
    expect(HANDOFF_ACTIONS).not.toContain("saveSyncOptions");
    expect(HANDOFF_ACTIONS).not.toContain("disconnect");
    expect(HANDOFF_ACTIONS).not.toContain("createHandoff");
    expect(checkSessionScope({ intent: "handoff", connectionId: null }, { connectionId: "c1", action: "view" })?.code).toBe("not_found");
  });
});

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
