import "server-only";
import type { Db, Tx } from "../../core/db";
import type { AppError } from "../../core/errors";
import type { Prisma } from "@/generated/sqlite/client";
import { recordConnectionChange, recordConnectionError } from "../connection/commands";
import { recordStepFacts, type StepFacts } from "../connection/step-facts";
import { forgetPendingPasswords, revokeAdminSignIn } from "../secret/secret-commands";
import { parseStoredRunOptions, type RunOptions } from "./run-options";
import { stripPlanFindings } from "./plan-findings";
import {
  APPROVE,
  CANCEL,
  CLAIM,
  CLAIM_RULES,
  connectionStatusFor,
  disconnectLeftovers,
  isFinished,
  RETRY,
  type ConnectionStatus,
  type RunEvent,
  type RunKind,
  type RunSnapshot,
  type RunStatus,
  type StepAction,
  type StepName,
  type StepStatus,
  type Transition,
} from "./machine";

/**
 * Persistence of runs and steps. Every write that moves a run is a compare-and-set on the run's `version` and lease
 * owner, so a runner whose lease expired (another instance took over) cannot overwrite the newer state. The same
 * guarded `updateMany` works on SQLite and PostgreSQL; no row locks are needed.
 */

export type RunRecord = {
  id: string;
  connectionId: string;
  kind: RunKind;
  status: RunStatus;
  version: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  notBefore: Date | null;
  options: Record<string, unknown>;
  plan: unknown;
  /** The connection's status when the run was created (updated at approval). */
  connectionStatusBefore: ConnectionStatus | null;
  /** The Entra tenant of the admin who started the run. */
  tenantId: string | null;
  /** Connection facts a re-run of an active connection holds until verify succeeds (see commitStepOutcome). */
  stagedFacts: Record<string, unknown> | null;
  createdAt: Date;
  finishedAt: Date | null;
  steps: StepRecord[];
};

export type StepRecord = {
  name: StepName;
  position: number;
  status: StepStatus;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  notBefore: Date | null;
  waitingFor: string | null;
  action: StepAction | null;
  errorCode: string | null;
  userMessage: string | null;
  errorDetail: string | null;
  requestIds: string[];
  output: Record<string, unknown> | null;
};

export function toSnapshot(run: RunRecord): RunSnapshot {
  return {
    status: run.status,
    steps: run.steps.map((s) => ({ name: s.name, status: s.status, attempts: s.attempts, startedAt: s.startedAt, notBefore: s.notBefore })),
  };
}

/** True for the unique-index violation the database raises when a connection already has an unfinished run. */
export function isActiveRunConflict(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}

/**
 * Creates a run in `planning`, leased to its planner (`planner`) for `leaseMs`: a planner that dies leaves a run whose
 * lease lapses, and clearOrphanedPlanning frees its connection.
 * @throws a P2002 error (see isActiveRunConflict) when the connection has an unfinished run
 */
export async function createRun(
  db: Db,
  input: {
    connectionId: string;
    kind: RunKind;
    steps: StepName[];
    options: Record<string, unknown>;
    connectionStatusBefore: ConnectionStatus;
    tenantId: string | null;
    planner?: { owner: string; leaseMs: number };
  },
): Promise<RunRecord> {
  const now = input.planner ? await dbNow(db, { fresh: true }) : null;
  const run = await db.provisioningRun.create({
    data: {
      connectionId: input.connectionId,
      kind: input.kind,
      status: "planning",
      leaseOwner: input.planner?.owner ?? null,
      leaseUntil: input.planner && now ? new Date(now.getTime() + input.planner.leaseMs) : null,
      options: input.options as Prisma.InputJsonObject,
      connectionStatusBefore: input.connectionStatusBefore,
      tenantId: input.tenantId,
      steps: {
        create: input.steps.map((name, position) => ({ name, position, connectionId: input.connectionId })),
      },
    },
  });
  return (await loadRun(db, run.id))!;
}

export async function loadRun(db: Db, runId: string): Promise<RunRecord | null> {
  const row = await db.provisioningRun.findUnique({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
  if (!row) return null;
  return {
    id: row.id,
    connectionId: row.connectionId,
    kind: row.kind,
    status: row.status,
    version: row.version,
    leaseOwner: row.leaseOwner,
    leaseUntil: row.leaseUntil,
    notBefore: row.notBefore,
    options: (row.options ?? {}) as Record<string, unknown>,
    plan: row.plan,
    connectionStatusBefore: row.connectionStatusBefore,
    tenantId: row.tenantId,
    stagedFacts: (row.stagedFacts ?? null) as Record<string, unknown> | null,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    steps: row.steps.map((s) => ({
      name: s.name as StepName,
      position: s.position,
      status: s.status,
      attempts: s.attempts,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      notBefore: s.notBefore,
      waitingFor: s.waitingFor,
      action: s.actionKind ? ((s.action ?? null) as StepAction | null) : null,
      errorCode: s.errorCode,
      userMessage: s.userMessage,
      errorDetail: s.errorDetail,
      requestIds: Array.isArray(s.requestIds) ? (s.requestIds as string[]) : [],
      output: (s.output ?? null) as Record<string, unknown> | null,
    })),
  };
}

/** Moves a run from one status to another only if nobody moved it first. */
export async function transitionRunStatus(
  db: Db,
  run: Pick<RunRecord, "id" | "version">,
  from: RunStatus[],
  data: Prisma.ProvisioningRunUpdateManyMutationInput & { status: RunStatus },
): Promise<boolean> {
  const { count } = await db.provisioningRun.updateMany({
    where: { id: run.id, version: run.version, status: { in: from } },
    data: { ...data, version: { increment: 1 } },
  });
  return count === 1;
}

const clockOffsets = new WeakMap<object, { offsetMs: number; readAt: number }>();
const CLOCK_REFRESH_MS = 10_000;

/**
 * The database's current time. Leases and "is it due" are judged on this one clock, never on each instance's, so an
 * instance whose clock runs ahead cannot take a live run from another. The offset between this process's clock and
 * the database's is read at most every 10 s (a lease is a minute), so a step costs no extra round trip.
 */
export async function dbNow(db: Db, options: { fresh?: boolean } = {}): Promise<Date> {
  const cached = clockOffsets.get(db);
  if (!options.fresh && cached && Date.now() - cached.readAt < CLOCK_REFRESH_MS) return new Date(Date.now() + cached.offsetMs);
  const provider = (db as unknown as { _activeProvider?: string })._activeProvider;
  const sql = provider === "postgresql" ? "SELECT clock_timestamp() AS now" : "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now";
  const before = Date.now();
  const rows = await db.$queryRawUnsafe<{ now: Date | string }[]>(sql);
  const after = Date.now();
  const value = rows[0].now;
  const now = value instanceof Date ? value : new Date(value);
  clockOffsets.set(db, { offsetMs: now.getTime() - (before + after) / 2, readAt: after });
  return now;
}

/** The where-clause of "a runner may claim this run now", derived from machine.ts's CLAIM_RULES. */
function claimableWhere(now: Date): Prisma.ProvisioningRunWhereInput {
  return {
    OR: (Object.entries(CLAIM_RULES) as [keyof typeof CLAIM_RULES, (typeof CLAIM_RULES)[keyof typeof CLAIM_RULES]][]).map(([status, rule]) => {
      if (rule === "notBeforePassed") return { status, OR: [{ notBefore: null }, { notBefore: { lte: now } }] };
      if (rule === "leaseExpired") return { status, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] };
      return { status };
    }),
  };
}

/**
 * Claims a run for `owner` for `leaseMs` on the database's clock: a run that is due (see machine.ts CLAIM_RULES).
 * Returns the claimed run, or null when it is not due or another instance took it first.
 */
export async function claimRun(db: Db, runId: string, owner: string, leaseMs: number): Promise<RunRecord | null> {
  const run = await loadRun(db, runId);
  if (!run || !(CLAIM.from as readonly RunStatus[]).includes(run.status)) return null;
  const now = await dbNow(db, { fresh: true });
  const { count } = await db.provisioningRun.updateMany({
    where: { AND: [{ id: run.id, version: run.version, status: run.status }, claimableWhere(now)] },
    data: {
      status: CLAIM.to,
      version: { increment: 1 },
      leaseOwner: owner,
      leaseUntil: new Date(now.getTime() + leaseMs),
      notBefore: null,
      startedAt: run.status === "pending" ? now : undefined,
    },
  });
  if (count !== 1) return null;
  // A run nobody held (pending, waiting) cannot have changed since it was read: the version matched, and only a lease
  // holder writes between versions. A run taken over from a lapsed lease is read again: its old holder may have
  // recorded a step's intent (no version change) until the moment the lease changed hands.
  if (run.status === "running") return loadRun(db, runId);
  return { ...run, status: CLAIM.to, version: run.version + 1, leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs), notBefore: null };
}

/**
 * Ends the leases this instance's drives hold on `runIds` now, on the database's clock (a graceful shutdown): any
 * instance claims them at once, as it would a crashed instance's runs once their lease lapsed. The owner is kept, so
 * until another instance claims a run, a late write of the drive being stopped is still its own; after, it is refused.
 */
export async function releaseRunLeases(db: Db, input: { runIds: string[]; ownerPrefix: string }): Promise<number> {
  if (input.runIds.length === 0) return 0;
  const now = await dbNow(db, { fresh: true });
  const { count } = await db.provisioningRun.updateMany({
    where: { id: { in: input.runIds }, status: "running", leaseOwner: { startsWith: input.ownerPrefix } },
    data: { leaseUntil: new Date(now.getTime() - 1) },
  });
  return count;
}

/** Extends the lease while a long step runs (database clock); false means the lease was lost and the caller must stop. */
export async function renewLease(db: Db, runId: string, owner: string, leaseMs: number): Promise<boolean> {
  const now = await dbNow(db);
  const { count } = await db.provisioningRun.updateMany({
    where: { id: runId, leaseOwner: owner, status: "running" },
    data: { leaseUntil: new Date(now.getTime() + leaseMs) },
  });
  return count === 1;
}

/**
 * Marks steps running (one, or a group that runs at once, in one transaction), counts each one's attempt and extends
 * the lease; a step back from waiting keeps its streak's start. @returns each step's streak start, or null when the
 * run moved or another runner holds it (nothing is written)
 */
export async function beginSteps(db: Db, run: RunRecord, steps: StepRecord[], owner: string, now: Date, leaseMs: number): Promise<Date[] | null> {
  const startedAt = steps.map((step) => (step.status === "waiting" && step.startedAt ? step.startedAt : now));
  const leaseUntil = new Date((await dbNow(db)).getTime() + leaseMs);
  const began = await db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, version: run.version, leaseOwner: owner, status: "running" },
      data: { currentStep: steps[0].name, leaseUntil },
    });
    if (count !== 1) return false;
    for (const [index, step] of steps.entries()) {
      await tx.provisioningStep.update({
        where: { runId_name: { runId: run.id, name: step.name } },
        data: { status: "running", attempts: { increment: 1 }, startedAt: startedAt[index], notBefore: null },
        // Prisma reads the whole row back after an update unless told otherwise; the engine's writes need none of it,
        // and skipping it is about a third of the statement's CPU (the step's JSON columns included).
        select: { id: true },
      });
    }
    return true;
  });
  return began ? startedAt : null;
}

/** Thrown by a lease-checked write whose runner no longer holds the run: nothing was written. */
export class LeaseLostError extends Error {
  constructor(runId: string) {
    super(`provisioning: the lease on run ${runId} was lost; nothing was written`);
    this.name = "LeaseLostError";
  }
}

export function isLeaseLost(error: unknown): error is LeaseLostError {
  return error instanceof LeaseLostError;
}

export type Lease = { runId: string; owner: string };

/**
 * Runs `write` in a transaction that first proves the lease is still held: every write a step makes to Secret or
 * Connection goes through here, so a runner that lost its run (another instance took over, or it was cancelled)
 * changes nothing. The guard is a write, so on SQLite the transaction holds the write lock from its first statement
 * (a read first would have to upgrade, which WAL refuses when another process wrote meanwhile).
 * @throws LeaseLostError
 */
export async function inLeasedTransaction<T>(db: Db, lease: Lease, write: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: lease.runId, leaseOwner: lease.owner, status: "running" },
      data: { updatedAt: new Date() },
    });
    if (count !== 1) throw new LeaseLostError(lease.runId);
    return write(tx);
  });
}

/** What a step learned about its connection (typed facts, see lib/domain/connection/step-facts.ts). */
export type ConnectionPatch = StepFacts;

/** The connection-level event a step's transition is. */
function runEventOf(transition: Transition): RunEvent {
  if (transition.runStatus === "succeeded") return "succeeded";
  if (transition.runStatus === "failed") return "failed";
  if (transition.runStatus === "waiting") return transition.step.action ? "needsAdmin" : "waiting";
  return "running";
}

/**
 * Commits one step's outcome, the run's new status and the connection's new facts in one transaction, guarded by
 * the lease: a runner that lost its lease writes nothing.
 *
 * Stage, then commit: while a re-run of an Active connection has not verified its new credential, the facts its
 * steps find (environment, tenant, app and application user ids) are kept in the run, not on the connection, which
 * goes on pointing at its working credential; verify's success moves them onto the connection in this same
 * transaction. The connection's status follows machine.ts's connectionStatusFor and is written, with the support
 * read model, by recordConnectionChange. A commit that finishes the run also forgets the admin's stored sign-in.
 */
export async function commitStepOutcome(
  db: Db,
  input: {
    run: RunRecord;
    owner: string;
    transition: Transition;
    output?: Record<string, unknown>;
    waitingFor?: string | null;
    requestIds?: string[];
    connectionPatch?: ConnectionPatch;
    now: Date;
  },
): Promise<boolean> {
  const { run, transition, now } = input;
  const error: AppError | null = transition.step.error;
  const { status: _ignored, ...patch } = (input.connectionPatch ?? {}) as ConnectionPatch & { status?: unknown };
  // Staged facts are stored as JSON: only plain ids and names are staged (dates come from verify, which commits).
  const staging = run.kind !== "disconnect" && run.connectionStatusBefore === "active";
  const verified = transition.step.name === "verify" && transition.step.status === "succeeded";
  let staged = run.stagedFacts;
  let connectionPatch: ConnectionPatch = patch;
  if (staging && !verified) {
    if (Object.keys(patch).length > 0) staged = { ...(staged ?? {}), ...patch };
    connectionPatch = {};
  } else if (staging && verified) {
    connectionPatch = { ...((staged ?? {}) as ConnectionPatch), ...patch };
  }
  const committed = await db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, leaseOwner: input.owner, status: "running" },
      data: {
        status: transition.runStatus,
        version: { increment: 1 },
        notBefore: transition.runNotBefore,
        finishedAt: isFinished(transition.runStatus) ? now : null,
        leaseOwner: transition.runStatus === "running" ? input.owner : null,
        leaseUntil: transition.runStatus === "running" ? undefined : null,
        ...(staged !== run.stagedFacts ? { stagedFacts: staged as Prisma.InputJsonObject } : {}),
      },
    });
    if (count !== 1) return false;
    const action = transition.step.action ?? null;
    await tx.provisioningStep.update({
      where: { runId_name: { runId: run.id, name: transition.step.name } },
      data: {
        status: transition.step.status,
        finishedAt: transition.step.finishedAt,
        notBefore: transition.step.notBefore,
        waitingFor: transition.step.status === "waiting" ? (input.waitingFor ?? null) : null,
        // actionKind says whether the step waits for a person; `action` is read only while it is set.
        actionKind: action?.kind ?? null,
        action: action ? (action as Prisma.InputJsonObject) : undefined,
        errorCode: error?.code ?? null,
        userMessage: error?.userMessage ?? null,
        errorDetail: error?.detail ?? null,
        requestIds: input.requestIds?.length ? input.requestIds : error?.requestIds?.length ? error.requestIds : undefined,
        output: input.output ? (input.output as Prisma.InputJsonObject) : undefined,
        // Waiting for a person spends none of the retry budget: the next attempt starts a fresh streak.
        ...(transition.step.resetStreak ? { attempts: 0, startedAt: null } : {}),
      },
      select: { id: true },
    });
    const current = await tx.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: { status: true } });
    const event = runEventOf(transition);
    const statusAfter =
      connectionStatusFor({ kind: run.kind, before: run.connectionStatusBefore ?? current.status, event, wroteAtMicrosoft: true }) ?? current.status;
    if (event === "failed") {
      const left = run.kind === "disconnect" ? disconnectLeftovers(afterStep(run, transition)) : [];
      connectionPatch = {
        ...connectionPatch,
        lastErrorCode: error?.code ?? "internal",
        lastErrorMessage: left.length
          ? `${error?.userMessage ?? "Disconnecting failed."} Still there: ${left.join("; ")}. Disconnect again to remove them.`
          : (error?.userMessage ?? null),
      };
    }
    await recordStepFacts(tx, { connectionId: run.connectionId, facts: connectionPatch });
    // The run is over: its admin's stored sign-in goes with it, here and nowhere else, so a runner that lost the run
    // (its commit refused above) can never delete the sign-in of the connection's next run.
    if (isFinished(transition.runStatus)) await revokeAdminSignIn(tx, { connectionId: run.connectionId, at: now });
    if (statusAfter !== current.status || event === "failed" || event === "needsAdmin" || event === "succeeded") {
      await recordConnectionChange(tx, {
        connectionId: run.connectionId,
        runId: run.id,
        runKind: run.kind,
        event,
        statusBefore: current.status,
        statusAfter,
        failingStep: event === "failed" || event === "needsAdmin" ? transition.step.name : null,
        errorCode: event === "failed" || event === "needsAdmin" ? (error?.code ?? "internal") : null,
        runOpen: event !== "succeeded",
        at: now,
      });
    }
    return true;
  });
  if (committed) run.stagedFacts = staged;
  return committed;
}

/** The run as it stands once `transition` is applied to its step (for messages about what is left). */
function afterStep(run: RunRecord, transition: Transition): RunSnapshot {
  const snapshot = toSnapshot(run);
  return {
    status: transition.runStatus,
    steps: snapshot.steps.map((s) => (s.name === transition.step.name ? { ...s, status: transition.step.status } : s)),
  };
}

/** Runs any instance may pick up now (database clock): due, or held by an instance whose lease expired. */
export async function findDueRunIds(db: Db, take = 20): Promise<string[]> {
  const rows = await db.provisioningRun.findMany({
    where: claimableWhere(await dbNow(db, { fresh: true })),
    orderBy: { updatedAt: "asc" },
    take,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Merges `intent` into a running step's output, guarded by the lease, before the Microsoft write it announces. */
export async function recordStepIntent(
  db: Db,
  input: { runId: string; step: StepName; owner: string; intent: Record<string, unknown> },
): Promise<void> {
  await inLeasedTransaction(db, { runId: input.runId, owner: input.owner }, async (tx) => {
    const step = await tx.provisioningStep.findUniqueOrThrow({
      where: { runId_name: { runId: input.runId, name: input.step } },
      select: { output: true },
    });
    const merged = { ...((step.output ?? {}) as Record<string, unknown>), ...input.intent };
    await tx.provisioningStep.update({
      where: { runId_name: { runId: input.runId, name: input.step } },
      data: { output: merged as Prisma.InputJsonObject },
      select: { id: true },
    });
  });
}

/** The options a run was started with, parsed (null when the run does not exist or its options do not parse). */
export async function findRunOptions(db: Db, runId: string): Promise<RunOptions | null> {
  const row = await db.provisioningRun.findUnique({ where: { id: runId }, select: { options: true } });
  return row ? parseStoredRunOptions(row.options) : null;
}

// ---------------------------------------------------------------- planning

/** Stores the plan and hands the run to the admin's approval, releasing the planner's lease. @returns false if it moved meanwhile */
export async function storePlan(db: Db, run: Pick<RunRecord, "id" | "version">, plan: Prisma.InputJsonObject): Promise<boolean> {
  return transitionRunStatus(db, run, ["planning"], { status: "awaitingApproval", plan, leaseOwner: null, leaseUntil: null });
}

/**
 * Planning failed (or its planner died): the run fails without the connection's status moving (planning wrote nothing
 * at Microsoft and was never approved), the error is recorded on the connection, and the admin's stored sign-in is
 * forgotten. @returns false if the run had moved meanwhile (nothing is written)
 */
export async function failPlanning(
  db: Db,
  run: Pick<RunRecord, "id" | "version" | "connectionId">,
  input: { code: string; message: string | null; at: Date },
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, version: run.version, status: "planning" },
      data: { status: "failed", version: { increment: 1 }, finishedAt: input.at, leaseOwner: null, leaseUntil: null },
    });
    if (count !== 1) return false;
    await recordConnectionError(tx, { connectionId: run.connectionId, code: input.code, message: input.message });
    await revokeAdminSignIn(tx, { connectionId: run.connectionId, at: input.at });
    return true;
  });
}

/**
 * Clears the runs whose planner is certainly gone: in `planning` with a lease lapsed for longer than a step may run
 * (as canCancel judges a running run), or, without a lease (created before planning took one), untouched that long.
 * Each fails as a planning failure does, so its connection is free for a new plan. Returns their ids.
 */
export async function clearOrphanedPlanning(
  db: Db,
  input: { leaseMs: number; stepTimeoutMs: number },
): Promise<{ runId: string; connectionId: string }[]> {
  const now = await dbNow(db, { fresh: true });
  const cutoff = new Date(now.getTime() - input.stepTimeoutMs);
  const rows = await db.provisioningRun.findMany({
    where: {
      status: "planning",
      OR: [{ leaseUntil: { lt: cutoff } }, { leaseUntil: null, updatedAt: { lt: new Date(cutoff.getTime() - input.leaseMs) } }],
    },
    select: { id: true, version: true, connectionId: true },
    take: 20,
  });
  const cleared: { runId: string; connectionId: string }[] = [];
  for (const row of rows) {
    const failed = await failPlanning(db, row, {
      code: "internal",
      message: "Preparing the plan was interrupted before it finished. Start again to prepare a new plan.",
      at: now,
    });
    if (failed) cleared.push({ runId: row.id, connectionId: row.connectionId });
  }
  return cleared;
}

// ---------------------------------------------------------------- the admin's transitions

type TransitionRun = Pick<RunRecord, "id" | "version" | "kind" | "connectionId">;

/**
 * One admin transition of a run: compare-and-set on its version (from the statuses the machine allows), then what else
 * the transition writes, then the connection's change — all in one transaction.
 * @returns false when the run moved meanwhile (nothing is written)
 */
function transitionWithChange(
  db: Db,
  input: {
    run: TransitionRun;
    from: readonly RunStatus[];
    data: Prisma.ProvisioningRunUpdateManyMutationInput;
    change: {
      event: "approved" | "retried" | "cancelled";
      statusBefore: ConnectionStatus;
      statusAfter: ConnectionStatus;
      runOpen: boolean;
      at: Date;
    };
    also?: (tx: Tx) => Promise<unknown>;
  },
): Promise<boolean> {
  const { run, change } = input;
  return db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, version: run.version, status: { in: [...input.from] } },
      data: { ...input.data, version: { increment: 1 } },
    });
    if (count !== 1) return false;
    await input.also?.(tx);
    await recordConnectionChange(tx, {
      connectionId: run.connectionId,
      runId: run.id,
      runKind: run.kind,
      ...change,
      failingStep: null,
      errorCode: null,
    });
    return true;
  });
}

/**
 * Approval: the run becomes pending (claimable) and the connection records the change, in one transaction,
 * compare-and-set on the run's version. `statusBefore` is remembered on the run (a cancel knows what to put back).
 * @returns false when the run moved meanwhile (nothing is written)
 */
export async function approveRunTransition(
  db: Db,
  input: { run: TransitionRun; approvedBy: string; statusBefore: ConnectionStatus; statusAfter: ConnectionStatus; at: Date },
): Promise<boolean> {
  return transitionWithChange(db, {
    run: input.run,
    from: APPROVE.from,
    data: { status: APPROVE.to, approvedAt: input.at, approvedBy: input.approvedBy, connectionStatusBefore: input.statusBefore },
    change: { event: "approved", statusBefore: input.statusBefore, statusAfter: input.statusAfter, runOpen: true, at: input.at },
  });
}

/**
 * Retry: the failed run is pending again from its failed step, which gets a fresh budget (the admin fixed the cause),
 * and the connection records the change, in one transaction. @returns false when the run moved meanwhile
 * @throws a P2002 error (see isActiveRunConflict) when another run of the connection was started since
 */
export async function retryRunTransition(
  db: Db,
  input: { run: TransitionRun & Pick<RunRecord, "plan">; step: StepName; statusBefore: ConnectionStatus; statusAfter: ConnectionStatus; at: Date },
): Promise<boolean> {
  const { run } = input;
  // A retried step looks again for itself: the plan's findings describe the tenant before whatever made it fail.
  const plan = stripPlanFindings(run.plan);
  return transitionWithChange(db, {
    run,
    from: RETRY.from,
    data: { status: RETRY.to, finishedAt: null, notBefore: null, ...(plan !== run.plan ? { plan: plan as Prisma.InputJsonObject } : {}) },
    change: { event: "retried", statusBefore: input.statusBefore, statusAfter: input.statusAfter, runOpen: true, at: input.at },
    // Steps that ran beside each other may have failed together, or one waited when another failed: each of them
    // starts afresh (input.step, the first failed, among them), or a waiting one would be out of budget at once.
    also: (tx) =>
      tx.provisioningStep.updateMany({
        where: { runId: run.id, OR: [{ name: input.step }, { status: { in: ["failed", "waiting"] } }] },
        data: {
          status: "pending",
          attempts: 0,
          startedAt: null,
          finishedAt: null,
          errorCode: null,
          userMessage: null,
          errorDetail: null,
          notBefore: null,
          waitingFor: null,
          actionKind: null,
        },
      }),
  });
}

/**
 * Cancel: the run is cancelled, the passwords it was given and never proved and the admin's stored sign-in are
 * forgotten, and the connection records the change (with what is left at Microsoft when something was written there),
 * in one transaction. @returns false when the run moved meanwhile (nothing is written)
 */
export async function cancelRunTransition(
  db: Db,
  input: {
    run: TransitionRun;
    statusBefore: ConnectionStatus;
    statusAfter: ConnectionStatus;
    /** Why the connection is not back as it was (something was written at Microsoft); null when it is. */
    leftover: string | null;
    at: Date;
  },
): Promise<boolean> {
  const { run } = input;
  return transitionWithChange(db, {
    run,
    from: CANCEL.from,
    data: { status: CANCEL.to, finishedAt: input.at, leaseOwner: null, leaseUntil: null },
    change: { event: "cancelled", statusBefore: input.statusBefore, statusAfter: input.statusAfter, runOpen: false, at: input.at },
    also: async (tx) => {
      await forgetPendingPasswords(tx, { connectionId: run.connectionId, at: input.at });
      await revokeAdminSignIn(tx, { connectionId: run.connectionId, at: input.at });
      if (input.leftover) await recordConnectionError(tx, { connectionId: run.connectionId, code: "cancelled", message: input.leftover });
    },
  });
}
