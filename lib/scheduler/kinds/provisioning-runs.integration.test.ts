/**
 * Provisioning runs in the scheduler, stopped mid-run: the scheduler's stop reaches the drive as a signal, the step
 * in hand finishes and commits, and the run is released (its lease ended, nothing failed). Another runner then takes
 * it at once and finishes it, each step done exactly once and exactly one of everything at Microsoft.
 */
import { describe, expect, it, vi } from "vitest";
import { testEngine } from "@/test/support/engine-fixture";
import { startApprovedContosoRun } from "@/test/support/hand-made-setup";
import { useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { expectExactlyOneOfEverything } from "@/test/support/sandbox-objects";
import { useTestDatabase } from "@/test/support/test-databases";
import { driveRunWith } from "../../provisioning/engine";
import type { RunnerEvent } from "../../provisioning/runner";
import { createScheduler, jobKind } from "../scheduler";
import { provisioningRunsKind } from "./provisioning-runs";

vi.setConfig({ testTimeout: 60_000 });
const fx = useMicrosoftSandbox();

describe("provisioning runs in the scheduler", () => {
  const t = useTestDatabase("sqlite");

  it("a stop requested mid-step lets the step commit, releases the run unfailed, and another runner finishes it exactly once", async () => {
    const run = await startApprovedContosoRun(t.db, testEngine(t.db, fx), fx);
    const events: RunnerEvent[] = [];
    let stopped: Promise<{ finished: number; released: number }> | null = null;
    const instance = testEngine(t.db, fx, {
      owner: "stopping-instance",
      // The test's observer asks for the stop while appRegistration is in flight; it returns normally.
      onEvent: (event) => {
        events.push(event);
        if (event.type === "stepStarted" && event.step === "appRegistration") stopped = scheduler.stop({ graceMs: 30_000 });
      },
    });
    const kind = provisioningRunsKind(instance, { reserved: 1, max: 1, pollEveryMs: 0, submit: (id) => scheduler.submit("provisioning", id) });
    const scheduler = createScheduler({ size: 1, kinds: [jobKind(kind)] });
    scheduler.start();
    scheduler.submit("provisioning", run.id);
    await vi.waitFor(() => expect(stopped).not.toBeNull(), { timeout: 30_000, interval: 20 });

    // The drive ended within the grace, on its own: nothing was left running for the scheduler to release.
    expect(await stopped).toEqual({ finished: 1, released: 0 });
    expect(scheduler.stats().provisioning).toMatchObject({ finished: 1, failed: 0 });
    expect(events.filter((e) => e.type === "stepFinished").map((e) => e.type === "stepFinished" && [e.step, e.status])).toEqual([
      ["environment", "succeeded"],
      ["preconditions", "succeeded"],
      ["appRegistration", "succeeded"],
    ]);
    const left = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(left.status).toBe("running");
    expect(left.leaseOwner).toMatch(/^stopping-instance:/);
    expect(left.leaseUntil!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(left.steps.map((s) => [s.name, s.status])).toEqual([
      ["environment", "succeeded"],
      ["preconditions", "succeeded"],
      ["appRegistration", "succeeded"],
      ["adminConsent", "pending"],
      ["clientSecret", "pending"],
      ["applicationUser", "pending"],
      ["verify", "pending"],
    ]);
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } })).status).toBe("provisioning");

    // Another instance claims it at once (no lease to wait out) and finishes it: each step ran exactly once.
    const next = await driveRunWith(testEngine(t.db, fx, { owner: "next-instance" }), run.id);
    expect(next.status).toBe("succeeded");
    const done = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id }, include: { steps: true } });
    expect(done.steps.every((s) => s.status === "succeeded" && s.attempts === 1)).toBe(true);
    await expectExactlyOneOfEverything(t.db, fx, run.connection.id);
  });
});
