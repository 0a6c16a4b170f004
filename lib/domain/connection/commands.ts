import "server-only";
import type { Prisma } from "@/generated/sqlite/client";
import type { Db, Tx } from "../../core/db";
import type { RunEvent, RunKind, StepName } from "../run/machine";
import { enqueueWebhookEvents } from "../webhook-outbox/enqueue-webhook-events";
import type { ConnectionStatus } from "./status";
import { recordStepFacts } from "./step-facts";

/** What the connection commands write with: the transaction of the change, or the client for a lone write. */
export type ConnectionWriter = Tx | Db;

/** One change of a connection: a run's transition (approve, a step's commit, cancel, retry) or a hand-made setup proven. */
export type ConnectionChange = {
  connectionId: string;
  /** The run that caused it; null for a change no run made (a hand-made setup). */
  runId: string | null;
  runKind: RunKind | null;
  event: RunEvent | "manualVerified";
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
 * Records a connection's change inside the caller's transaction: its status and the support console's read model
 * (the run in charge, the failing step and code, when the status changed), and the webhook outbox. The one place
 * connection status moves, so Act-On and the console see exactly the committed changes.
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
    select: { id: true },
  });
  // The webhook outbox: written in this transaction, so the events exist exactly when the change committed.
  await enqueueWebhookEvents(tx, change);
}

/** What a proven hand-made setup is: cloud mode with the tenant, app and application user the proof saw. */
export type ManualSetupFacts = { environmentUrl: string; tenantId: string; clientId: string; applicationUserId: string };

/**
 * A hand-made setup was proven: the connection becomes Active in cloud mode, through the same change as a run's
 * success (status, console read model, webhook), in the caller's transaction.
 */
export async function activateManualConnection(tx: Tx, input: { connectionId: string; facts: ManualSetupFacts; at: Date }): Promise<void> {
  const current = await tx.connection.findUniqueOrThrow({ where: { id: input.connectionId }, select: { status: true } });
  await recordStepFacts(tx, {
    connectionId: input.connectionId,
    facts: {
      ...input.facts,
      authMode: "cloud",
      // A hand-made setup is always a client secret, whatever the connection signed in with before.
      credentialMode: "secret",
      integrationUsername: null,
      lastVerifiedAt: input.at,
      lastErrorCode: null,
      lastErrorMessage: null,
      disconnectedAt: null,
    },
  });
  await recordConnectionChange(tx, {
    connectionId: input.connectionId,
    runId: null,
    runKind: null,
    event: "manualVerified",
    statusBefore: current.status,
    statusAfter: "active",
    failingStep: null,
    errorCode: null,
    runOpen: false,
    at: input.at,
  });
}

/** Records why the connection's last attempt did not work (shown on its status page); its status does not move. */
export async function recordConnectionError(
  db: ConnectionWriter,
  input: { connectionId: string; code: string; message: string | null },
): Promise<void> {
  await recordStepFacts(db, { connectionId: input.connectionId, facts: { lastErrorCode: input.code, lastErrorMessage: input.message } });
}

/** A new connect run chose how the connection signs in (only while nothing works yet: see startRun). */
export async function chooseConnectionMode(
  db: ConnectionWriter,
  input: { connectionId: string; authMode: "cloud" | "legacy" | "onprem"; integrationUsername?: string; adfsClientId?: string },
): Promise<void> {
  await recordStepFacts(db, {
    connectionId: input.connectionId,
    facts: { authMode: input.authMode, integrationUsername: input.integrationUsername, adfsClientId: input.adfsClientId },
  });
}

/** Saves Act-On's sync options (validated by the caller's schema, the same one the form uses). */
export async function saveSyncOptions(db: ConnectionWriter, input: { connectionId: string; syncOptions: Prisma.InputJsonObject }): Promise<void> {
  await db.connection.update({ where: { id: input.connectionId }, data: { syncOptions: input.syncOptions } });
}

/** A certificate rotation switched the connection to its new certificate: its expiry, and the proof just made. */
export async function recordCredentialRotated(
  db: ConnectionWriter,
  input: { connectionId: string; expiresAt: Date | null; at: Date },
): Promise<void> {
  await db.connection.update({ where: { id: input.connectionId }, data: { secretExpiresAt: input.expiresAt, lastVerifiedAt: input.at } });
}
