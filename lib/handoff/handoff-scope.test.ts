import { describe, expect, it } from "vitest";
import { isSameMicrosoftAccount } from "./handoff-scope";

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
