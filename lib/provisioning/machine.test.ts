import { describe, expect, it } from "vitest";
import { appError } from "../errors";
import { advance, backoffDelayMs, canRetry, isTerminal, nextStep, stepsFor, type RunSnapshot, type StepOutcome } from "./machine";

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
});

describe("nextStep, canRetry, isTerminal", () => {
  it("picks the first unfinished step", () => {
    expect(
      nextStep(
        run("running", [
          ["environment", "succeeded"],
          ["preconditions", "skipped"],
          ["verify", "waiting"],
        ]),
      )?.name,
    ).toBe("verify");
    expect(nextStep(run("running", [["environment", "succeeded"]]))).toBeNull();
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

describe("backoffDelayMs", () => {
  it("grows exponentially with jitter and stays under the cap", () => {
    expect(backoffDelayMs(1, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffDelayMs(1, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffDelayMs(4, 1000, 30_000, () => 1)).toBe(8000);
    expect(backoffDelayMs(20, 1000, 30_000, () => 1)).toBe(30_000);
  });
});
