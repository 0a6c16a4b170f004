import "server-only";
import type { Db } from "../db";
import type { AppError } from "../errors";
import type { Prisma } from "@/generated/sqlite/client";
import type { RunKind, RunSnapshot, RunStatus, StepName, StepStatus, Transition } from "./machine";

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
  errorCode: string | null;
  userMessage: string | null;
  errorDetail: string | null;
  requestIds: string[];
  output: Record<string, unknown> | null;
};

export function toSnapshot(run: RunRecord): RunSnapshot {
  return { status: run.status, steps: run.steps.map((s) => ({ name: s.name, status: s.status, attempts: s.attempts, startedAt: s.startedAt })) };
}

/** True for the unique-index violation the database raises when a connection already has an unfinished run. */
export function isActiveRunConflict(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}

/** Creates a run in `planning`. @throws a P2002 error (see isActiveRunConflict) when the connection has an unfinished run */
export async function createRun(
  db: Db,
  input: { connectionId: string; kind: RunKind; steps: StepName[]; options: Record<string, unknown> },
): Promise<RunRecord> {
  const run = await db.provisioningRun.create({
    data: {
      connectionId: input.connectionId,
      kind: input.kind,
      status: "planning",
      options: input.options as Prisma.InputJsonObject,
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
    steps: row.steps.map((s) => ({
      name: s.name as StepName,
      position: s.position,
      status: s.status,
      attempts: s.attempts,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      notBefore: s.notBefore,
      waitingFor: s.waitingFor,
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

/**
 * Claims a run for `owner` until `now + leaseMs`: a run that is due (pending, or waiting past its notBefore), or one
 * whose holder's lease expired (a crashed instance). Returns the claimed run, or null when another instance has it.
 */
export async function claimRun(db: Db, runId: string, owner: string, now: Date, leaseMs: number): Promise<RunRecord | null> {
  const run = await loadRun(db, runId);
  if (!run) return null;
  const due =
    run.status === "pending" ||
    (run.status === "waiting" && (!run.notBefore || run.notBefore <= now)) ||
    (run.status === "running" && (!run.leaseUntil || run.leaseUntil < now));
  if (!due) return null;
  const { count } = await db.provisioningRun.updateMany({
    where: { id: run.id, version: run.version, status: run.status },
    data: {
      status: "running",
      version: { increment: 1 },
      leaseOwner: owner,
      leaseUntil: new Date(now.getTime() + leaseMs),
      notBefore: null,
      startedAt: run.status === "pending" ? now : undefined,
    },
  });
  if (count !== 1) return null;
  return loadRun(db, runId);
}

/** Extends the lease while a long step runs; false means the lease was lost and the caller must stop. */
export async function renewLease(db: Db, runId: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const { count } = await db.provisioningRun.updateMany({
    where: { id: runId, leaseOwner: owner, status: "running" },
    data: { leaseUntil: new Date(now.getTime() + leaseMs) },
  });
  return count === 1;
}

/** Marks a step running, counts the attempt and extends the lease; a step back from waiting keeps its streak's start. */
export async function beginStep(
  db: Db,
  run: RunRecord,
  step: StepRecord,
  owner: string,
  now: Date,
  leaseMs: number,
): Promise<{ startedAt: Date } | null> {
  const startedAt = step.status === "waiting" && step.startedAt ? step.startedAt : now;
  const began = await db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, version: run.version, leaseOwner: owner, status: "running" },
      data: { currentStep: step.name, leaseUntil: new Date(now.getTime() + leaseMs) },
    });
    if (count !== 1) return false;
    await tx.provisioningStep.update({
      where: { runId_name: { runId: run.id, name: step.name } },
      data: { status: "running", attempts: { increment: 1 }, startedAt, notBefore: null },
    });
    return true;
  });
  return began ? { startedAt } : null;
}

export type ConnectionPatch = Prisma.ConnectionUpdateInput;

/**
 * Commits one step's outcome, the run's new status and the connection's new facts in one transaction, guarded by
 * the lease: a runner that lost its lease writes nothing.
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
  return db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, leaseOwner: input.owner, status: "running" },
      data: {
        status: transition.runStatus,
        version: { increment: 1 },
        notBefore: transition.runNotBefore,
        finishedAt: transition.runStatus === "succeeded" || transition.runStatus === "failed" ? now : null,
        leaseOwner: transition.runStatus === "running" ? input.owner : null,
        leaseUntil: transition.runStatus === "running" ? undefined : null,
      },
    });
    if (count !== 1) return false;
    await tx.provisioningStep.update({
      where: { runId_name: { runId: run.id, name: transition.step.name } },
      data: {
        status: transition.step.status,
        finishedAt: transition.step.finishedAt,
        notBefore: transition.step.notBefore,
        waitingFor: transition.step.status === "waiting" ? (input.waitingFor ?? null) : null,
        errorCode: error?.code ?? null,
        userMessage: error?.userMessage ?? null,
        errorDetail: error?.detail ?? null,
        requestIds: input.requestIds?.length ? input.requestIds : error?.requestIds?.length ? error.requestIds : undefined,
        output: input.output ? (input.output as Prisma.InputJsonObject) : undefined,
      },
    });
    if (input.connectionPatch && Object.keys(input.connectionPatch).length > 0) {
      await tx.connection.update({ where: { id: run.connectionId }, data: input.connectionPatch });
    }
    return true;
  });
}

/** Runs any instance may pick up now: due, or held by an instance whose lease expired. */
export async function findDueRunIds(db: Db, now: Date, take = 20): Promise<string[]> {
  const rows = await db.provisioningRun.findMany({
    where: {
      OR: [
        { status: "pending" },
        { status: "waiting", OR: [{ notBefore: null }, { notBefore: { lte: now } }] },
        { status: "running", leaseUntil: { lt: now } },
      ],
    },
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
  await db.$transaction(async (tx) => {
    // The guard is a write, so on SQLite the transaction holds the write lock from its first statement (a read first
    // would have to upgrade, which WAL refuses when another process wrote meanwhile).
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: input.runId, leaseOwner: input.owner, status: "running" },
      data: { currentStep: input.step },
    });
    if (count !== 1) throw new Error("provisioning: lease lost; not recording the intent");
    const step = await tx.provisioningStep.findUniqueOrThrow({
      where: { runId_name: { runId: input.runId, name: input.step } },
      select: { output: true },
    });
    const merged = { ...((step.output ?? {}) as Record<string, unknown>), ...input.intent };
    await tx.provisioningStep.update({
      where: { runId_name: { runId: input.runId, name: input.step } },
      data: { output: merged as Prisma.InputJsonObject },
    });
  });
}
