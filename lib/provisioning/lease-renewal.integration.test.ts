/**
 * A runner whose lease cannot be renewed mid-step (the database did not answer) pauses the step and carries on: the
 * pause is the portal's own hiccup, so it spends none of the step's retry budget. A step that runs past its time limit
 * is cut short too, but that pause does spend the budget (Microsoft may keep hanging). On SQLite and PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { ensureAccount } from "../domain/account/ensure-account";
import { createConnection } from "../domain/connection/create-connection";
import type { Db } from "../core/db";
import { APPROVE } from "../domain/run/machine";
import { driveRun, type RunnerOptions, type StepExecutor } from "./runner";
import { createRun, loadRun, transitionRunStatus } from "../domain/run/run-store";

const providers = await providersUnderTest();

/** The database, except that lease renewals fail while `failing.renewals` is set (nothing else is touched). */
function withFailingRenewals(db: Db, failing: { renewals: boolean }): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "provisioningRun") return typeof value === "function" ? value.bind(target) : value;
      return new Proxy(value, {
        get(runs, method) {
          const fn = Reflect.get(runs, method);
          if (method !== "updateMany") return typeof fn === "function" ? fn.bind(runs) : fn;
          return (args: { data?: Record<string, unknown> }) => {
            const isRenewal = !!args.data && Object.keys(args.data).length === 1 && "leaseUntil" in args.data;
            if (failing.renewals && isRenewal) return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
            return fn.call(runs, args);
          };
        },
      });
    },
  }) as Db;
}

/** A one-step verify run of a new connection, approved and due. */
async function approvedVerifyRun(db: Db) {
  const account = await ensureAccount(db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
  const connection = await createConnection(db, { accountId: account.id, authMode: "cloud" });
  const created = await createRun(db, {
    connectionId: connection.id,
    kind: "verify",
    steps: ["verify"],
    options: { mode: "cloud", requestedBy: "test" },
    connectionStatusBefore: "draft",
    tenantId: null,
  });
  await transitionRunStatus(db, created, ["planning"], { status: APPROVE.to, approvedAt: new Date(), approvedBy: "test" });
  return created;
}

describe.each(providers)("a lease that cannot be renewed, on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("pauses the step without spending its last attempt, and the run then finishes", async () => {
    const created = await approvedVerifyRun(t.db);

    const failing = { renewals: false };
    let calls = 0;
    const execute: StepExecutor = async ({ signal }) => {
      calls++;
      if (calls > 1) return { kind: "done" };
      // First attempt: the database stops answering while the step works; the runner must abort it.
      failing.renewals = true;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      failing.renewals = false;
      throw signal.reason;
    };
    const options: RunnerOptions = {
      db: withFailingRenewals(t.db, failing),
      owner: "runner-1",
      execute,
      // One attempt only: had the pause counted as one, the run would fail here.
      budget: { stepBudgetMs: 60_000, maxAttempts: 1 },
      leaseMs: 300,
      maxInlineWaitMs: 0,
      stepTimeoutMs: 30_000,
      // Long enough that the runner releases the run rather than sleeping through the pause (a slow commit on a
      // loaded machine would otherwise find the pause already over and go straight on).
      pauseMs: 1_000,
    };

    const first = await driveRun(created.id, options);
    expect(first.status).toBe("waiting");
    const paused = (await loadRun(t.db, created.id))!;
    expect(paused.steps[0]).toMatchObject({ name: "verify", status: "waiting", errorCode: "database_unavailable" });

    await new Promise((r) => setTimeout(r, 1_100));
    const second = await driveRun(created.id, options);
    expect(second.status).toBe("succeeded");
    expect(calls).toBe(2);
  });

  it("counts an attempt cut short by the step's time limit against the budget (no lease trouble involved)", async () => {
    const created = await approvedVerifyRun(t.db);

    // The step hangs until the runner aborts it, then rethrows whatever the signal carries (as fetch does).
    const execute: StepExecutor = ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    const result = await driveRun(created.id, {
      db: t.db,
      owner: "runner-1",
      execute,
      // One attempt: a timed-out attempt spends it, so the run fails instead of pausing for free.
      budget: { stepBudgetMs: 60_000, maxAttempts: 1 },
      leaseMs: 30_000,
      maxInlineWaitMs: 0,
      stepTimeoutMs: 200,
      pauseMs: 1_000,
    });
    expect(result.status).toBe("failed");
    const failed = (await loadRun(t.db, created.id))!;
    expect(failed.steps[0]).toMatchObject({ name: "verify", status: "failed", errorCode: "timeout" });
  });
});
