import { describe, expect, it } from "vitest";
import { PreparedAppToken, type AppTokenTarget } from "./prepared-app-token";

const target: AppTokenTarget = {
  secretId: "secret-1",
  tenantId: "10000000-0000-4000-8000-000000000001",
  clientId: "30000000-0000-4000-8000-00000000000a",
  environmentUrl: "https://contoso.crm.dynamics.com",
};

describe("PreparedAppToken", () => {
  it("hands the token out once, to a taker asking for exactly its credential and target", async () => {
    const tokens = new PreparedAppToken();
    await expect(tokens.take(target)).resolves.toBeNull();
    tokens.prepare(target, async () => "token-1");
    await expect(tokens.take({ ...target, environmentUrl: "https://CONTOSO.crm.dynamics.com/" })).resolves.toBe("token-1");
    await expect(tokens.take(target)).resolves.toBeNull();
  });

  it("never hands a token to a taker checking another credential, tenant, app or environment", async () => {
    const tokens = new PreparedAppToken();
    tokens.prepare(target, async () => "token-1");
    for (const other of [
      { ...target, secretId: "secret-2" },
      { ...target, tenantId: "10000000-0000-4000-8000-000000000003" },
      { ...target, clientId: "30000000-0000-4000-8000-00000000000b" },
      { ...target, environmentUrl: "https://fabrikam.crm.dynamics.com" },
    ]) {
      await expect(tokens.take(other)).resolves.toBeNull();
    }
    // The one it was made for still gets it.
    await expect(tokens.take(target)).resolves.toBe("token-1");
  });

  it("a failed preparation is a miss, never an error: the taker asks Entra itself", async () => {
    const tokens = new PreparedAppToken();
    tokens.prepare(target, () => Promise.reject(new Error("AADSTS7000215")));
    await new Promise((r) => setTimeout(r, 0)); // an unhandled rejection would surface here
    await expect(tokens.take(target)).resolves.toBeNull();
  });
});
