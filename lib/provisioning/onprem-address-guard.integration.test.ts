/**
 * The on-premises path of the engine behind the address guard: the sandbox's "Contoso On-Prem" org is reachable only
 * because its host is configured as an allowed private host; an http:// URL, a private or loopback address and an
 * unconfigured sandbox host are refused by the environment step, and no call (so no credential) leaves the portal.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { callLog, CONTOSO_ADMIN, SANDBOX_PASSWORD, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import { startRun } from "./start-run";
import { testEngine } from "@/test/support/engine-fixture";
import { useTestDatabase } from "@/test/support/test-databases";

const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN };

describe("on-premises connections behind the public address guard", () => {
  const t = useTestDatabase("sqlite");
  let log: ReturnType<typeof callLog>;
  let engine: Engine;
  let strictEngine: Engine;
  beforeAll(() => {
    log = callLog();
    engine = testEngine(t.db, fx, { call: { retry: { maxAttempts: 1 }, recorder: log } });
    // The same engine without the sandbox configured as an allowed private host: production's default.
    strictEngine = testEngine(t.db, fx, { call: { retry: { maxAttempts: 1 }, recorder: log }, config: { onPremisesAllowedPrivateHosts: [] } });
  });

  async function connect(e: Engine, environment: string, password = SANDBOX_PASSWORD) {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const started = await startRun(e, {
      accountId: account.id,
      kind: "connect",
      options: { mode: "onprem", environment, integrationUsername: "CONTOSO\\crmadmin", requestedBy: "admin" },
      password,
      actor,
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    const approved = await approveRun(e, { runId: started.value.id, actor });
    if (!approved.ok) throw new Error(approved.error.userMessage);
    return driveRunWith(e, started.value.id);
  }

  it("reaches Active on the sandbox's on-premises org when its host is configured", async () => {
    log.calls.length = 0;
    const result = await connect(engine, fx.environmentUrl("contoso-onprem"));
    expect(result.status).toBe("succeeded");
    // Asked how it signs in (no credential), NTLM's two legs on 9.2 (signed in, but no 9.2), then 9.1 on that connection.
    expect(log.calls.map((c) => `${c.method} ${c.status} ${c.path}`)).toEqual([
      "GET 401 /dynamics/contoso-onprem/api/data/v9.2/WhoAmI",
      "GET 401 /dynamics/contoso-onprem/api/data/v9.2/WhoAmI",
      "GET 404 /dynamics/contoso-onprem/api/data/v9.2/WhoAmI",
      "GET 200 /dynamics/contoso-onprem/api/data/v9.1/WhoAmI",
    ]);
  });

  it.each([
    ["an http:// URL", (origin: string) => `${origin.replace("https:", "http:")}/dynamics/contoso-onprem`, "https://"],
    ["a private address", () => "https://10.1.2.3/contoso", "private network address"],
    ["a loopback address in decimal form", () => "https://2130706433/contoso", "loopback address"],
    ["the sandbox host when it is not configured", (origin: string) => `${origin}/dynamics/contoso-onprem`, "loopback address"],
  ])("refuses %s in the environment step, with no call made", async (_label, url, words) => {
    log.calls.length = 0;
    const strict = _label.includes("not configured");
    const result = await connect(strict ? strictEngine : engine, url(fx.origin));
    expect(result.status).toBe("failed");
    const step = result.run?.steps.find((s) => s.name === "environment");
    expect(step).toMatchObject({ status: "failed", errorCode: "environment_not_allowed" });
    expect(step?.userMessage).toContain(words);
    expect(log.calls).toEqual([]);
  });

  it("explains a server name that does not resolve, with no call made", async () => {
    log.calls.length = 0;
    const result = await connect(engine, "https://onprem.contoso.invalid/org");
    const step = result.run?.steps.find((s) => s.name === "environment");
    expect(step).toMatchObject({ status: "failed", errorCode: "not_found" });
    expect(step?.userMessage).toContain("No server named onprem.contoso.invalid can be found");
    expect(log.calls).toEqual([]);
  });
});
