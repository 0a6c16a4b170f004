/**
 * Consent, the app's credential and the application user need only the app and its service principal, so the runner
 * executes them at once (machine.ts readySteps): each commits on its own, one that fails leaves the others' work
 * recorded, and a retry runs only what is left.
 */
import { describe, expect, it, vi } from "vitest";
import { CONTOSO_ADMIN, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { testEngine } from "@/test/support/engine-fixture";
import { startApprovedContosoRun } from "@/test/support/hand-made-setup";
import { expectExactlyOneOfEverything } from "@/test/support/sandbox-objects";
import type { RunnerEvent } from "./runner";
import { driveRunWith } from "./engine";
import { retryRun } from "./retry-run";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const AT_ONCE = ["adminConsent", "clientSecret", "applicationUser"];

describe.each(providers)("steps that run at once, on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("begins consent, the credential and the application user together once the app exists, and verify after all three", async () => {
    const events: RunnerEvent[] = [];
    const engine = testEngine(t.db, fx, { onEvent: (e) => void events.push(e) });
    const run = await startApprovedContosoRun(t.db, engine, fx, undefined, "certificate");
    expect((await driveRunWith(engine, run.id)).status).toBe("succeeded");

    const order = events.flatMap((e) => (e.type === "runFinished" ? [] : [`${e.type === "stepStarted" ? "start" : "end"} ${e.step}`]));
    const at = (what: string) => order.indexOf(what);
    const lastStart = Math.max(...AT_ONCE.map((s) => at(`start ${s}`)));
    const firstEnd = Math.min(...AT_ONCE.map((s) => at(`end ${s}`)));
    expect(lastStart, order.join(", ")).toBeLessThan(firstEnd);
    expect(at("start adminConsent")).toBeGreaterThan(at("end appRegistration"));
    expect(at("start verify")).toBeGreaterThan(Math.max(...AT_ONCE.map((s) => at(`end ${s}`))));
    await expectExactlyOneOfEverything(t.db, fx, run.connection.id);
  });

  it("a step that fails beside two that succeed: the run fails at it, theirs stay done, and Retry runs only what is left", async () => {
    // Dataverse refuses every application-user write until the fault is cleared: the step spends its budget and fails.
    await fx.control.addFault({
      service: "dataverse",
      method: "POST",
      path: "^/dynamics/contoso-sales/api/data/v9\\.2/systemusers$",
      kind: "unavailable",
    });
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 1_500, maxAttempts: 2 } } });
    const run = await startApprovedContosoRun(t.db, engine, fx, undefined, "certificate");
    const failed = await driveRunWith(engine, run.id);
    expect(failed.status).toBe("failed");
    const step = (name: string) => failed.run!.steps.find((s) => s.name === name)!;
    expect(step("applicationUser").status).toBe("failed");
    expect([step("adminConsent").status, step("clientSecret").status, step("verify").status]).toEqual(["succeeded", "succeeded", "pending"]);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    expect(connection).toMatchObject({ status: "failed", lastErrorCode: step("applicationUser").errorCode });

    await fx.control.clearFaults();
    expect((await retryRun(engine, { runId: run.id, actor, session: await signInAs(fx) })).ok).toBe(true);
    const retried = await driveRunWith(engine, run.id);
    expect(retried.status).toBe("succeeded");
    const attempts = Object.fromEntries(retried.run!.steps.map((s) => [s.name, s.attempts]));
    expect({ adminConsent: attempts.adminConsent, clientSecret: attempts.clientSecret }).toEqual({ adminConsent: 1, clientSecret: 1 });
    await expectExactlyOneOfEverything(t.db, fx, run.connection.id);
  });

  it("two steps that fail together are both retried, each with a fresh budget", async () => {
    const refuse = (service: "graph" | "dataverse", method: string, path: string) =>
      fx.control.addFault({ service, method, path, kind: "unavailable" });
    await refuse("dataverse", "POST", "^/dynamics/contoso-sales/api/data/v9\\.2/systemusers$");
    await refuse("graph", "PATCH", "^/graph/v1\\.0/applications/[0-9a-f-]+$");
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 1_500, maxAttempts: 2 } } });
    const run = await startApprovedContosoRun(t.db, engine, fx, undefined, "certificate");
    const failed = await driveRunWith(engine, run.id);
    expect(failed.run!.steps.filter((s) => s.status === "failed").map((s) => s.name)).toEqual(["clientSecret", "applicationUser"]);

    await fx.control.clearFaults();
    expect((await retryRun(engine, { runId: run.id, actor, session: await signInAs(fx) })).ok).toBe(true);
    const retried = await driveRunWith(engine, run.id);
    expect(retried.status).toBe("succeeded");
    const attempts = Object.fromEntries(retried.run!.steps.map((s) => [s.name, s.attempts]));
    expect({ clientSecret: attempts.clientSecret, applicationUser: attempts.applicationUser }).toEqual({ clientSecret: 1, applicationUser: 1 });
    await expectExactlyOneOfEverything(t.db, fx, run.connection.id);
  });
});
