import "server-only";
import type { Prisma } from "@/generated/sqlite/client";
import type { ConnectionStatus, RunEvent, RunKind, StepName } from "../run/machine";
import { enqueueWebhookEvents } from "../webhook-outbox/enqueue-webhook-events";

/** A transaction of the engine: every connection change is written inside the transaction that causes it. */
export type Tx = Prisma.TransactionClient;

/** One change of a connection, as the engine's transitions report it (approve, a step's commit, cancel, retry). */
export type ConnectionChange = {
  connectionId: string;
  runId: string;
  runKind: RunKind;
  event: RunEvent;
  statusBefore: ConnectionStatus;
  statusAfter: ConnectionStatus;
  /** The step that failed or waits for a person, and its error code; null when nothing is failing. */
  failingStep: StepName | null;
  errorCode: string | null;
  /** True while the run still holds the connection (or failed and may be retried). */
  runOpen: boolean;
  at: Date;
};

/**
 * Records a connection's change inside the engine's transaction: its status and the support console's read model
 * (the run in charge, the failing step and code, when the status changed). The one place connection status moves;
 * other features add their line here (the webhook outbox, for one), so they see exactly the committed changes.
 */
export async function recordConnectionChange(tx: Tx, change: ConnectionChange): Promise<void> {
  const statusChanged = change.statusBefore !== change.statusAfter;
  await tx.connection.update({
    where: { id: change.connectionId },
    data: {
      ...(statusChanged ? { status: change.statusAfter, statusChangedAt: change.at } : {}),
      currentRunId: change.runOpen ? change.runId : null,
      failingStep: change.failingStep,
      failingErrorCode: change.errorCode,
    },
  });
  // The webhook outbox: written in this transaction, so the events exist exactly when the change committed.
  await enqueueWebhookEvents(tx, change);
}
