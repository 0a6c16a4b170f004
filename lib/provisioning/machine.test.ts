import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appError } from "../core/errors";
import {
  advance,
  canCancel,
  canRetry,
  connectionStatusFor,
  disconnectLeftovers,
  FINISHED_RUN_STATUSES,
  isDue,
  isFinished,
  isTerminal,
  mayHaveWrittenAtMicrosoft,
  readySteps,
  settledRunStatus,
  stepsFor,
  UNFINISHED_RUN_STATUSES,
  type RunSnapshot,
  type StepOutcome,
} from "../domain/run/machine";

const now = new Date("2026-11-26T10:00:00Z");
const budget = { stepBudgetMs: 60_000, maxAttempts: 5 };
const lag = appError("replication_pending", "Microsoft is still setting up the new app.", { retryable: true });

function run(status: RunSnapshot["status"], steps: [string, RunSnapshot["steps"][number]["status"], number?, Date?][]): RunSnapshot {
  return {
    status,
    steps: steps.map(([name, st, attempts, startedAt]) => ({
      name: name as never,
      status: st,
      attempts: attempts ?? 1,
      startedAt: startedAt ?? now,
    })),
  };
}

describe("stepsFor", () => {
  it.each([
    ["connect", "cloud", ["environment", "preconditions", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"]],
    ["connect", "legacy", ["environment", "preconditions", "appRegistration", "adminConsent", "applicationUser", "verify"]],
    ["connect", "onprem", ["environment", "verify"]],
    ["migrate", "cloud", ["environment", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"]],
  ] as const)("%s in %s mode follows the article", (kind, mode, expected) => {
    expect(stepsFor(kind, mode)).toEqual(expected);
  });

  it("disconnects only what the admin asked to remove", () => {
    expect(stepsFor("disconnect", "cloud", { removeApplicationUser: false, deleteAppRegistration: false })).toEqual(["revokeSecrets"]);
    expect(stepsFor("disconnect", "cloud", { removeApplicationUser: true, deleteAppRegistration: true })).toEqual([
      "revokeSecrets",
      "removeApplicationUser",
      "deleteAppRegistration",
    ]);
  });
});

describe("advance", () => {
  const cases: {
    title: string;
    run: RunSnapshot;
    step: string;
    outcome: StepOutcome;
    expect: Partial<ReturnType<typeof advance>> & { stepStatus?: string };
  }[] = [
    {
      title: "a finished step moves on while others remain",
      run: run("running", [
        ["environment", "succeeded"],
        ["verify", "running"],
        ["revokeSecrets", "pending"],
      ]),
      step: "verify",
      outcome: { kind: "done" },
      expect: { runStatus: "running", stepStatus: "succeeded", ignored: false },
    },
    {
      title: "the last finished step completes the run",
      run: run("running", [
        ["environment", "succeeded"],
        ["verify", "running"],
      ]),
      step: "verify",
      outcome: { kind: "done" },
      expect: { runStatus: "succeeded", stepStatus: "succeeded" },
    },
    {
      title: "a retryable outcome within budget makes the run wait",
      run: run("running", [["appRegistration", "running", 2]]),
      step: "appRegistration",
      outcome: { kind: "retry", notBefore: new Date(now.getTime() + 5_000), error: lag, waitingFor: "replication" },
      expect: { runStatus: "waiting", stepStatus: "waiting", runNotBefore: new Date(now.getTime() + 5_000) },
    },
    {
      title: "retries stop at the attempt limit",
      run: run("running", [["appRegistration", "running", 5]]),
      step: "appRegistration",
      outcome: { kind: "retry", notBefore: new Date(now.getTime() + 5_000), error: lag, waitingFor: "replication" },
      expect: { runStatus: "failed", stepStatus: "failed" },
    },
    {
      title: "a pause the portal caused (its lease could not be renewed) spends no budget, even at the attempt limit",
      run: run("running", [["appRegistration", "running", 5]]),
      step: "appRegistration",
      outcome: { kind: "retry", notBefore: new Date(now.getTime() + 1_000), error: lag, waitingFor: "the portal", spendsBudget: false },
      expect: { runStatus: "waiting", stepStatus: "waiting" },
    },
    {
      title: "retries stop when the time budget is spent",
      run: run("running", [["verify", "running", 2, new Date(now.getTime() - 61_000)]]),
      step: "verify",
      outcome: { kind: "retry", notBefore: new Date(now.getTime() + 1_000), error: lag, waitingFor: "replication" },
      expect: { runStatus: "failed", stepStatus: "failed" },
    },
    {
      title: "a wait that would end past the budget fails now rather than later",
      run: run("running", [["verify", "running", 2, new Date(now.getTime() - 30_000)]]),
      step: "verify",
      outcome: { kind: "retry", notBefore: new Date(now.getTime() + 40_000), error: lag, waitingFor: "throttling" },
      expect: { runStatus: "failed", stepStatus: "failed" },
    },
    {
      title: "a failure fails the run",
      run: run("running", [["preconditions", "running"]]),
      step: "preconditions",
      outcome: { kind: "fail", error: appError("insufficient_privileges", "You need an admin role.") },
      expect: { runStatus: "failed", stepStatus: "failed" },
    },
    {
      title: "a late outcome for a step that already succeeded is ignored",
      run: run("running", [
        ["environment", "succeeded"],
        ["verify", "running"],
      ]),
      step: "environment",
      outcome: { kind: "fail", error: appError("internal", "late") },
      expect: { runStatus: "running", stepStatus: "succeeded", ignored: true },
    },
    {
      title: "a finished run never reopens",
      run: run("succeeded", [["verify", "succeeded"]]),
      step: "verify",
      outcome: { kind: "fail", error: appError("internal", "duplicate") },
      expect: { runStatus: "succeeded", ignored: true },
    },
    {
      title: "a cancelled run ignores a step that was still in flight",
      run: run("cancelled", [["verify", "running"]]),
      step: "verify",
      outcome: { kind: "done" },
      expect: { runStatus: "cancelled", ignored: true },
    },
  ];

  it.each(cases)("$title", ({ run: r, step, outcome, expect: e }) => {
    const t = advance(r, step as never, outcome, now, budget);
    if (e.runStatus) expect(t.runStatus).toBe(e.runStatus);
    if (e.stepStatus) expect(t.step.status).toBe(e.stepStatus);
    if (e.ignored !== undefined) expect(t.ignored).toBe(e.ignored);
    if (e.runNotBefore) expect(t.runNotBefore).toEqual(e.runNotBefore);
  });

  it("keeps the error of a step that ran out of retries, marked retryable for the admin", () => {
    const t = advance(
      run("running", [["verify", "running", 5]]),
      "verify",
      { kind: "retry", notBefore: now, error: lag, waitingFor: "x" },
      now,
      budget,
    );
    expect(t.step.error).toMatchObject({ code: "replication_pending", retryable: true });
  });

  it("a step that waited out Microsoft's replication for its whole budget says how long, and never promises an automatic retry", () => {
    const tenMinutes = { stepBudgetMs: 10 * 60_000, maxAttempts: 60 };
    const waiting = appError(
      "replication_pending",
      "Microsoft is still setting up the objects we just created. This usually takes up to two minutes; we will retry automatically.",
      { retryable: true },
    );
    const t = advance(
      { status: "running", steps: [{ name: "verify", status: "running", attempts: 40, startedAt: new Date(now.getTime() - 10 * 60_000) }] },
      "verify",
      { kind: "retry", notBefore: new Date(now.getTime() + 15_000), error: waiting, waitingFor: "x" },
      now,
      tenMinutes,
    );
    expect(t.runStatus).toBe("failed");
    expect(t.step.error?.userMessage).not.toMatch(/retry automatically|retry shortly/i);
    expect(t.step.error?.userMessage).toMatch(/kept checking for 10 minutes/);
    expect(t.step.error?.userMessage).toMatch(/usually reach all of its services within two minutes/);
    expect(t.step.error?.userMessage).toMatch(/Retry/);
  });
});

describe("readySteps, settledRunStatus, canRetry, isTerminal", () => {
  it("picks the first unfinished step of a run whose steps go in order", () => {
    const names = (r: RunSnapshot) => readySteps(r, now).map((s) => s.name);
    expect(
      names(
        run("running", [
          ["environment", "succeeded"],
          ["preconditions", "skipped"],
          ["verify", "waiting"],
        ]),
      ),
    ).toEqual(["verify"]);
    expect(readySteps(run("running", [["environment", "succeeded"]]), now)).toEqual([]);
    // A connector run has no app of its own: its application user needs the principal consent creates.
    expect(
      names(
        run("running", [
          ["environment", "succeeded"],
          ["adminConsent", "pending"],
          ["applicationUser", "pending"],
          ["verify", "pending"],
        ]),
      ),
    ).toEqual(["adminConsent"]);
  });

  const cloud = (consent: string, credential: string, user: string, notBefore: Record<string, Date> = {}): RunSnapshot => {
    const r = run("running", [
      ["environment", "succeeded"],
      ["preconditions", "succeeded"],
      ["appRegistration", "succeeded"],
      ["adminConsent", consent as never],
      ["clientSecret", credential as never],
      ["applicationUser", user as never],
      ["verify", "pending"],
    ]);
    for (const step of r.steps) step.notBefore = notBefore[step.name] ?? null;
    return r;
  };
  const later = new Date(now.getTime() + 30_000);
  const soon = new Date(now.getTime() + 5_000);

  it("runs consent, the credential and the application user at once once the app exists, and verify after all three", () => {
    const names = (r: RunSnapshot) => readySteps(r, now).map((s) => s.name);
    // The application user, with the longest way still to go, is begun first.
    expect(names(cloud("pending", "pending", "pending"))).toEqual(["applicationUser", "clientSecret", "adminConsent"]);
    expect(names(cloud("succeeded", "running", "pending"))).toEqual(["applicationUser", "clientSecret"]);
    expect(names(cloud("succeeded", "succeeded", "succeeded"))).toEqual(["verify"]);
    // A waiting step joins when it is due; until then the others go on without it.
    expect(names(cloud("waiting", "pending", "succeeded", { adminConsent: later }))).toEqual(["clientSecret"]);
    expect(names(cloud("waiting", "pending", "succeeded", { adminConsent: now }))).toEqual(["clientSecret", "adminConsent"]);
    // None due: the run was claimed at its earliest step's time, so that step goes.
    expect(names(cloud("waiting", "succeeded", "waiting", { adminConsent: later, applicationUser: soon }))).toEqual(["applicationUser"]);
  });

  it("settles a run from all its steps: failed over waiting, waiting until the earliest is due, running while a step can go", () => {
    expect(settledRunStatus(cloud("succeeded", "succeeded", "succeeded"), now)).toEqual({ runStatus: "running", runNotBefore: null });
    expect(settledRunStatus(cloud("failed", "succeeded", "waiting", { applicationUser: soon }), now)).toEqual({
      runStatus: "failed",
      runNotBefore: null,
    });
    expect(settledRunStatus(cloud("waiting", "succeeded", "waiting", { adminConsent: later, applicationUser: soon }), now)).toEqual({
      runStatus: "waiting",
      runNotBefore: soon,
    });
    // One step still to run now: the run goes on, and the waiting one joins when due.
    expect(settledRunStatus(cloud("waiting", "pending", "succeeded", { adminConsent: later }), now)).toEqual({
      runStatus: "running",
      runNotBefore: null,
    });
    const done = cloud("succeeded", "succeeded", "succeeded");
    done.steps.at(-1)!.status = "succeeded";
    expect(settledRunStatus(done, now)).toEqual({ runStatus: "succeeded", runNotBefore: null });
  });

  it("settles a run whose steps go in order exactly as advance decides for its one step", () => {
    const outcomes: StepOutcome[] = [
      { kind: "done" },
      { kind: "retry", notBefore: soon, error: lag, waitingFor: "Microsoft" },
      { kind: "needsAdmin", action: { kind: "adminConsent", url: "https://x" }, error: lag, recheckAt: later, waitingFor: "you" },
      { kind: "fail", error: lag },
    ];
    for (const outcome of outcomes) {
      for (const position of [0, 1]) {
        const r = run("running", [
          ["environment", position === 0 ? "running" : "succeeded"],
          ["verify", position === 0 ? "pending" : "running"],
        ]);
        const name = r.steps[position].name;
        const t = advance(r, name, outcome, now, budget);
        r.steps[position] = { ...r.steps[position], status: t.step.status, notBefore: t.step.notBefore };
        expect({ outcome: outcome.kind, position, ...settledRunStatus(r, now) }).toEqual({
          outcome: outcome.kind,
          position,
          runStatus: t.runStatus,
          runNotBefore: t.runNotBefore,
        });
      }
    }
  });

  it("allows a retry only of a failed run, at its failed step", () => {
    expect(
      canRetry(
        run("failed", [
          ["environment", "succeeded"],
          ["verify", "failed"],
        ]),
      ),
    ).toEqual({ ok: true, step: "verify" });
    expect(canRetry(run("succeeded", [["verify", "succeeded"]])).ok).toBe(false);
    expect(canRetry(run("running", [["verify", "running"]])).ok).toBe(false);
  });

  it("treats succeeded and cancelled as terminal", () => {
    expect(["succeeded", "cancelled", "failed", "waiting"].map((s) => isTerminal(s as never))).toEqual([true, true, false, false]);
  });
});

describe("waiting for a person", () => {
  const action = { kind: "adminConsent" as const, url: "https://login.example/adminconsent" };
  const consent = appError("consent_required", "Approve access.", { retryable: true });

  it("waits with the typed action and starts a fresh streak, however many attempts were spent", () => {
    const t = advance(
      run("running", [["adminConsent", "running", 5, new Date(now.getTime() - 10 * 60_000)]]),
      "adminConsent",
      { kind: "needsAdmin", action, error: consent, recheckAt: new Date(now.getTime() + 15_000), waitingFor: "you" },
      now,
      budget,
    );
    expect(t).toMatchObject({ runStatus: "waiting", runNotBefore: new Date(now.getTime() + 15_000), ignored: false });
    expect(t.step).toMatchObject({ status: "waiting", action, resetStreak: true });
  });

  it("clears the action once the step moves on", () => {
    const t = advance(run("running", [["adminConsent", "running"]]), "adminConsent", { kind: "done" }, now, budget);
    expect(t.step.action).toBeNull();
  });
});

describe("the run's lifecycle", () => {
  const at = (ms: number) => new Date(now.getTime() + ms);

  it.each([
    ["pending", null, null, true],
    ["waiting", at(1_000), null, false],
    ["waiting", at(-1), null, true],
    ["running", null, at(1_000), false],
    ["running", null, at(-1), true],
    ["awaitingApproval", null, null, false],
    ["failed", null, null, false],
    ["succeeded", null, null, false],
  ] as const)("a %s run (notBefore %s, lease until %s) is due: %s", (status, notBefore, leaseUntil, due) => {
    expect(isDue({ status, notBefore, leaseUntil }, now)).toBe(due);
  });

  it("cancels a running run only once its lease has been gone longer than a step can run", () => {
    const stepTimeoutMs = 60_000;
    expect(canCancel({ status: "running", notBefore: null, leaseUntil: at(5_000) }, now, stepTimeoutMs).ok).toBe(false);
    expect(canCancel({ status: "running", notBefore: null, leaseUntil: at(-30_000) }, now, stepTimeoutMs).ok).toBe(false);
    expect(canCancel({ status: "running", notBefore: null, leaseUntil: at(-61_000) }, now, stepTimeoutMs).ok).toBe(true);
    expect(canCancel({ status: "waiting", notBefore: at(5_000), leaseUntil: null }, now, stepTimeoutMs).ok).toBe(true);
    expect(canCancel({ status: "succeeded", notBefore: null, leaseUntil: null }, now, stepTimeoutMs).ok).toBe(false);
    expect(canCancel({ status: "cancelled", notBefore: null, leaseUntil: null }, now, stepTimeoutMs).ok).toBe(false);
  });

  it("agrees with migration 0003 about which runs are finished (the one-unfinished-run index)", () => {
    for (const provider of ["sqlite", "postgresql"]) {
      const sql = readFileSync(
        join(import.meta.dirname, `../../prisma/${provider}/migrations/0003_one_active_run_per_connection/migration.sql`),
        "utf8",
      );
      const listed = /NOT IN \(([^)]*)\)/
        .exec(sql)![1]
        .split(",")
        .map((s) => s.trim().replace(/'/g, ""));
      expect([...listed].sort()).toEqual([...FINISHED_RUN_STATUSES].sort());
    }
    // Every status is either finished or unfinished; failed is finished but not terminal (it may be retried).
    expect([...FINISHED_RUN_STATUSES, ...UNFINISHED_RUN_STATUSES].sort()).toHaveLength(8);
    expect(isFinished("failed") && !isTerminal("failed")).toBe(true);
  });

  it("counts a run as having written at Microsoft once a writing step was attempted", () => {
    expect(
      mayHaveWrittenAtMicrosoft(
        run("pending", [
          ["environment", "succeeded"],
          ["preconditions", "succeeded"],
          ["appRegistration", "pending", 0],
        ]),
      ),
    ).toBe(false);
    expect(
      mayHaveWrittenAtMicrosoft(
        run("waiting", [
          ["environment", "succeeded"],
          ["appRegistration", "waiting", 1],
        ]),
      ),
    ).toBe(true);
  });
});

describe("connectionStatusFor", () => {
  it.each([
    // kind, before, event, wrote, expected
    ["connect", "draft", "approved", false, "provisioning"],
    ["connect", "draft", "needsAdmin", false, "actionRequired"],
    ["connect", "draft", "failed", true, "failed"],
    ["connect", "draft", "succeeded", true, "active"],
    ["connect", "draft", "cancelled", false, "draft"],
    ["connect", "draft", "cancelled", true, "failed"],
    ["connect", "disconnected", "cancelled", true, "failed"],
    ["connect", "disconnected", "cancelled", false, "disconnected"],
    ["connect", "active", "approved", false, null],
    ["connect", "active", "failed", true, null],
    ["connect", "active", "cancelled", true, null],
    ["connect", "active", "succeeded", true, "active"],
    ["migrate", "active", "needsAdmin", false, null],
    ["disconnect", "active", "approved", false, "disconnecting"],
    ["disconnect", "active", "running", true, "disconnecting"],
    ["disconnect", "active", "succeeded", true, "disconnected"],
    ["disconnect", "active", "failed", true, "failed"],
    ["disconnect", "active", "cancelled", false, "active"],
    ["disconnect", "active", "cancelled", true, "failed"],
  ] as const)("%s from %s on %s (wrote at Microsoft: %s) → %s", (kind, before, event, wrote, expected) => {
    expect(connectionStatusFor({ kind, before, event, wroteAtMicrosoft: wrote })).toBe(expected);
  });

  it("says what a disconnect that stopped early left behind", () => {
    expect(
      disconnectLeftovers(
        run("failed", [
          ["revokeSecrets", "succeeded"],
          ["removeApplicationUser", "failed"],
          ["deleteAppRegistration", "pending"],
        ]),
      ),
    ).toEqual(["the application user is still enabled in Dynamics 365", "the “Act-On Integration” app registration still exists"]);
  });
});
