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
import { driveRunWith, type Engine } from "./engine";
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

  /** Every request of `method` to `path` (a regular expression) fails with 503 until the faults are cleared. */
  const refuse = (service: "graph" | "dataverse", method: string, path: string) =>
    fx.control.addFault({ service, method, path, kind: "unavailable" });
  const APPLICATION_USER_CREATE = "^/dynamics/contoso-sales/api/data/v9\\.2/systemusers$";
  const CERTIFICATE_UPLOAD = "^/graph/v1\\.0/applications/[0-9a-f-]+$";

  /** Drives a certificate run whose refused steps spend a small budget and fail. */
  async function failedRun() {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 1_500, maxAttempts: 2 } } });
    const run = await startApprovedContosoRun(t.db, engine, fx, undefined, "certificate");
    const failed = await driveRunWith(engine, run.id);
    expect(failed.status).toBe("failed");
    return { engine, run, failed };
  }

  /** Clears the faults, retries as the admin and drives again: it succeeds with one of everything; each step's attempts. */
  async function retriedToSuccess(engine: Engine, run: { id: string; connection: { id: string } }) {
    await fx.control.clearFaults();
    expect((await retryRun(engine, { runId: run.id, actor, session: await signInAs(fx) })).ok).toBe(true);
    const retried = await driveRunWith(engine, run.id);
    expect(retried.status).toBe("succeeded");
    await expectExactlyOneOfEverything(t.db, fx, run.connection.id);
    return Object.fromEntries(retried.run!.steps.map((s) => [s.name, s.attempts]));
  }

  it("a step that fails beside two that succeed: the run fails at it, theirs stay done, and Retry runs only what is left", async () => {
    await refuse("dataverse", "POST", APPLICATION_USER_CREATE);
    const { engine, run, failed } = await failedRun();
    const step = (name: string) => failed.run!.steps.find((s) => s.name === name)!;
    expect(step("applicationUser").status).toBe("failed");
    expect([step("adminConsent").status, step("clientSecret").status, step("verify").status]).toEqual(["succeeded", "succeeded", "pending"]);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    expect(connection).toMatchObject({ status: "failed", lastErrorCode: step("applicationUser").errorCode });

    const attempts = await retriedToSuccess(engine, run);
    expect({ adminConsent: attempts.adminConsent, clientSecret: attempts.clientSecret }).toEqual({ adminConsent: 1, clientSecret: 1 });
  });

  it("two steps refused together are both retried with a fresh budget, whether the run failed at one or both", async () => {
    await refuse("dataverse", "POST", APPLICATION_USER_CREATE);
    await refuse("graph", "PATCH", CERTIFICATE_UPLOAD);
    const { engine, run, failed } = await failedRun();
    // The first to spend its budget fails the run; the other has failed too, or waits for its next attempt.
    const refused = failed.run!.steps.filter((s) => s.name === "clientSecret" || s.name === "applicationUser");
    expect(refused.map((s) => s.status).sort()).toEqual(expect.arrayContaining(["failed"]));
    expect(refused.every((s) => s.status === "failed" || s.status === "waiting")).toBe(true);

    const attempts = await retriedToSuccess(engine, run);
    expect({ clientSecret: attempts.clientSecret, applicationUser: attempts.applicationUser }).toEqual({ clientSecret: 1, applicationUser: 1 });
  });

  it("a step left waiting when its sibling failed the run starts afresh on Retry, not out of budget at once", async () => {
    await refuse("dataverse", "POST", APPLICATION_USER_CREATE);
    const { engine, run } = await failedRun();
    // As when the credential step was between attempts when the application user gave up: waiting, its streak begun
    // long before the admin retries.
    await t.db.provisioningStep.update({
      where: { runId_name: { runId: run.id, name: "clientSecret" } },
      data: { status: "waiting", attempts: 2, startedAt: new Date(Date.now() - 3_600_000), notBefore: new Date() },
    });
    const attempts = await retriedToSuccess(engine, run);
    expect(attempts.clientSecret).toBe(1);
  });
});
