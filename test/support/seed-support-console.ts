/**
 * Seeds what the support console's e2e spec needs through the portal's own commands (account, connection, run store,
 * webhook endpoints and outbox), so the rows are exactly what the product writes: the console's read model
 * (currentRunId, failingStep, statusChangedAt), the run's steps, the outbox. Run with `tsx --conditions=react-server`
 * (the commands import "server-only") and one JSON spec as argv[2]; prints the seeded ids as one JSON line on stdout.
 *   {"seed":"failingConnection"}
 *   {"seed":"failedWebhookDelivery","connectionId":"…"}
 * Its env is the portal's settings (DATABASE_URL, PORTAL_ENCRYPTION_KEYS, WEBHOOK_ALLOWED_PRIVATE_HOSTS), read
 * with the portal's own getEnv, so what it writes is what that portal reads.
 */
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "../../lib/core/db";
import { getEnv } from "../../lib/core/env";
import { appError, type AppError } from "../../lib/core/errors";
import { ensureAccount } from "../../lib/domain/account/ensure-account";
import { createConnection } from "../../lib/domain/connection/create-connection";
import type { StepFacts } from "../../lib/domain/connection/step-facts";
import { advance, connectionStatusFor, stepsFor, STEP_LABELS, type RetryBudget, type StepName, type StepOutcome } from "../../lib/domain/run/machine";
import type { Plan } from "../../lib/domain/run/plan";
import {
  approveRunTransition,
  beginSteps,
  claimRun,
  commitStepOutcome,
  createRun,
  dbNow,
  loadRun,
  storePlan,
  toSnapshot,
  type RunRecord,
} from "../../lib/domain/run/run-store";
import { enqueueWebhookEvents, type WebhookTx } from "../../lib/domain/webhook-outbox/enqueue-webhook-events";
import type { ApiCaller } from "../../lib/api-auth/app-roles";
import { runOptionsSchema } from "../../lib/domain/run/run-options";
import { createWebhookEndpoint, webhookSettingsFromEnv } from "../../lib/webhooks/manage-webhook-endpoints";

export type SeedSpec = { seed: "failingConnection" } | { seed: "failedWebhookDelivery"; connectionId: string };

export type SeededConnection = {
  connectionId: string;
  accountName: string;
  actonAccountId: string;
  tenantDomain: string;
  requestIds: string[];
  message: string;
};

const OWNER = "e2e-seed";
const LEASE_MS = 60_000;
// Generous: the seeded failure is a decision of the spec (fail on the second attempt), not the budget running out.
const BUDGET: RetryBudget = { stepBudgetMs: 600_000, maxAttempts: 5 };

/** The seed's support person, as the console's API would see Support.Admin. */
const SUPPORT_CALLER: ApiCaller = {
  kind: "user",
  objectId: "e2e-seed",
  tenantId: "e2e-seed",
  name: "e2e seed",
  roles: ["Support.Admin"],
};

function fail(message: string): never {
  throw new Error(`seed-support-console: ${message}`);
}

/** The portal's scheduler took the seed's run between its approval and the seed's claim: seed again. */
class RunTakenByThePortal extends Error {}

/**
 * Claims the run for the seed: the portal's scheduler polls for due runs too, and a run it took is not ours to script.
 * An approved run is due at once, so the portal can win this claim; the caller seeds another connection then.
 */
async function claim(db: Db, runId: string): Promise<RunRecord> {
  const claimed = await claimRun(db, runId, OWNER, LEASE_MS);
  if (!claimed) throw new RunTakenByThePortal(`run ${runId} was taken by the portal's scheduler before the seed claimed it`);
  return claimed;
}

/**
 * Claims a waiting run before its notBefore, for the seed only: the seed makes its runs wait five minutes (within the
 * step budget), so the portal's scheduler never finds them due, and takes them back by compare-and-set on the run's
 * version.
 */
async function claimWaiting(db: Db, run: RunRecord): Promise<RunRecord> {
  const now = await dbNow(db, { fresh: true });
  const { count } = await db.provisioningRun.updateMany({
    where: { id: run.id, version: run.version, status: "waiting" },
    data: { status: "running", version: { increment: 1 }, leaseOwner: OWNER, leaseUntil: new Date(now.getTime() + LEASE_MS), notBefore: null },
  });
  if (count !== 1) fail(`waiting run ${run.id} changed under the seed`);
  return (await loadRun(db, run.id))!;
}

/** Runs one attempt of `step` and commits `outcome` through the run store, as the engine does. */
async function attempt(
  db: Db,
  run: RunRecord,
  step: StepName,
  outcome: StepOutcome,
  extra: { connectionPatch?: StepFacts; requestIds?: string[] } = {},
): Promise<RunRecord> {
  const now = await dbNow(db, { fresh: true });
  const record = run.steps.find((s) => s.name === step) ?? fail(`run has no step ${step}`);
  if (!(await beginSteps(db, run, [record], OWNER, now, LEASE_MS))) fail(`step ${step} could not begin`);
  const begun = (await loadRun(db, run.id))!;
  const transition = advance(toSnapshot(begun), step, outcome, now, BUDGET);
  const waitingFor = outcome.kind === "retry" || outcome.kind === "needsAdmin" ? outcome.waitingFor : null;
  if (!(await commitStepOutcome(db, { run: begun, owner: OWNER, transition, now, waitingFor, ...extra }))) fail(`step ${step} did not commit`);
  return (await loadRun(db, run.id))!;
}

/**
 * An account, and a cloud connection whose connect run registered the app and then failed at admin consent on its
 * second attempt with Microsoft's request ids (consent_required, AADSTS65001): approved, claimed, and each step
 * begun and committed through the run store, so the connection's status and the console's read model follow.
 */
async function seedFailingConnection(db: Db): Promise<SeededConnection> {
  const tag = randomBytes(4).toString("hex");
  const message = "An administrator of your organization needs to approve access for Act-On.";
  const requestIds = [`0b1c${tag}-aaaa-4bbb-8ccc-${tag}0000dd01`, `trace-${tag}-5e6f`];
  const environment = { url: `https://northwind${tag}.crm.dynamics.com`, name: "Northwind Sales" };
  const tenantId = `72000000-0000-4000-8000-0000${tag}`;
  const tenantDomain = `northwind${tag}.onmicrosoft.com`;

  const account = await ensureAccount(db, { actonAccountId: `nw-${tag}`, name: `Northwind ${tag}` });
  const connection = await createConnection(db, { accountId: account.id, authMode: "cloud" });
  const steps = stepsFor("connect", "cloud");
  const created = await createRun(db, {
    connectionId: connection.id,
    kind: "connect",
    steps,
    options: runOptionsSchema.parse({ mode: "cloud", environment: environment.url, requestedBy: "admin@northwind" }),
    connectionStatusBefore: connection.status,
    tenantId,
  });
  const plan: Plan = {
    steps: steps.map((step) => ({ step, label: STEP_LABELS[step], actions: [] })),
    blockers: [],
    environment,
    notes: [],
    computedAt: new Date().toISOString(),
  };
  if (!(await storePlan(db, created, plan))) fail("the plan was not stored");
  const planned = (await loadRun(db, created.id))!;
  const approved = await approveRunTransition(db, {
    run: planned,
    approvedBy: "admin@northwind",
    statusBefore: connection.status,
    statusAfter: connectionStatusFor({ kind: "connect", before: connection.status, event: "approved", wroteAtMicrosoft: false }) ?? connection.status,
    at: await dbNow(db, { fresh: true }),
  });
  if (!approved) fail("the run was not approved");

  let run = await claim(db, created.id);
  run = await attempt(
    db,
    run,
    "environment",
    { kind: "done" },
    { connectionPatch: { environmentUrl: environment.url, environmentName: environment.name, tenantId, tenantDomain } },
  );
  run = await attempt(db, run, "preconditions", { kind: "done" });
  // The app was registered before consent failed.
  run = await attempt(db, run, "appRegistration", { kind: "done" }, { connectionPatch: { clientId: `73000000-0000-4000-8000-0000${tag}` } });
  const consentError = (retryable: boolean): AppError => appError("consent_required", message, { detail: "AADSTS65001", requestIds, retryable });
  // First attempt: Microsoft had not seen the grant yet (replication); the step waits (five minutes, so the portal's
  // scheduler leaves it alone) and the seed tries it again at once.
  run = await attempt(db, run, "adminConsent", {
    kind: "retry",
    notBefore: new Date((await dbNow(db, { fresh: true })).getTime() + 300_000),
    error: consentError(true),
    waitingFor: "Microsoft to replicate the admin consent",
  });
  run = await claimWaiting(db, run);
  run = await attempt(db, run, "adminConsent", { kind: "fail", error: consentError(false) }, { requestIds });
  if (run.status !== "failed") fail(`the run ended ${run.status}, not failed`);
  return { connectionId: connection.id, accountName: account.name, actonAccountId: account.actonAccountId, tenantDomain, requestIds, message };
}

/**
 * A connection.step_failed delivery of the connection that failed after three attempts with 503, to an endpoint of
 * its own that is disabled (so the portal's deliverer leaves it alone and no other spec's events are queued for it).
 * The endpoint is made with support's command; the event and its delivery by the outbox, for the connection's
 * current failure, addressed to that endpoint alone; the attempts as the deliverer records them.
 */
async function seedFailedWebhookDelivery(db: Db, spec: Extract<SeedSpec, { seed: "failedWebhookDelivery" }>): Promise<{ deliveryId: string }> {
  const settings = webhookSettingsFromEnv(getEnv());
  // A receiver host the portal may reach (WEBHOOK_ALLOWED_PRIVATE_HOSTS): the endpoint passes the address guard
  // without DNS for a public name, and is never sent to.
  const receiverHost = settings.allowedPrivateHosts[0] ?? fail("WEBHOOK_ALLOWED_PRIVATE_HOSTS is empty");
  const tag = randomBytes(4).toString("hex");
  const created = await createWebhookEndpoint(db, {
    input: {
      url: `https://${receiverHost}/seeded-${tag}`,
      description: "e2e receiver (disabled)",
      enabled: false,
      eventTypes: ["connection.step_failed"],
    },
    caller: SUPPORT_CALLER,
    settings,
  });
  if (!created.ok) fail(`the endpoint was refused: ${created.error.userMessage}`);
  const endpointId = created.value.endpoint.id;
  const connection = await db.connection.findUniqueOrThrow({
    where: { id: spec.connectionId },
    select: { status: true, currentRunId: true, failingStep: true, failingErrorCode: true },
  });
  if (!connection.failingStep || !connection.currentRunId) fail(`connection ${spec.connectionId} has no failing step`);
  const failedAt = new Date(Date.now() - 60_000);
  const deliveryId = await db.$transaction(async (tx) => {
    // The outbox as it is, addressed to the seeded endpoint only (other specs' enabled endpoints get nothing).
    const outbox: WebhookTx = {
      connection: tx.connection,
      webhookEvent: tx.webhookEvent,
      webhookDelivery: tx.webhookDelivery,
      webhookEndpoint: {
        findMany: () => tx.webhookEndpoint.findMany({ where: { id: endpointId }, select: { id: true, eventTypes: true } }),
      } as unknown as WebhookTx["webhookEndpoint"],
    };
    const written = await enqueueWebhookEvents(
      outbox,
      {
        connectionId: spec.connectionId,
        runId: connection.currentRunId,
        statusBefore: "provisioning",
        statusAfter: connection.status,
        failingStep: connection.failingStep,
        errorCode: connection.failingErrorCode,
        at: failedAt,
      },
      { retryBudgetMs: 0 },
    );
    if (written !== 1) fail(`the outbox wrote ${written} events, not one`);
    const delivery = await tx.webhookDelivery.findFirstOrThrow({ where: { endpointId }, select: { id: true } });
    // The deliverer's record of three attempts answered 503 with the budget spent (its recorder is internal to
    // lib/webhooks/deliver-webhooks.ts, and a disabled endpoint is never sent to).
    for (let i = 0; i < 3; i++) {
      await tx.webhookDeliveryAttempt.create({
        data: { deliveryId: delivery.id, attemptedAt: failedAt, statusCode: 503, error: "HTTP 503", durationMs: 12 },
      });
    }
    await tx.webhookDelivery.update({
      where: { id: delivery.id },
      data: { status: "failed", attempts: 3, lastAttemptAt: failedAt, lastStatusCode: 503, lastError: "HTTP 503", version: { increment: 1 } },
    });
    return delivery.id;
  });
  return { deliveryId };
}

/** A failing connection, seeded again (another account) while the portal's scheduler wins the first claim. */
async function seedFailingConnectionBesideThePortal(db: Db): Promise<SeededConnection> {
  for (let tries = 1; ; tries++) {
    try {
      return await seedFailingConnection(db);
    } catch (error) {
      if (!(error instanceof RunTakenByThePortal) || tries === 5) throw error;
    }
  }
}

async function main() {
  const spec = JSON.parse(process.argv[2] ?? fail("no spec given")) as SeedSpec;
  const db = createDb(getEnv().DATABASE_URL);
  try {
    const seeded = spec.seed === "failingConnection" ? await seedFailingConnectionBesideThePortal(db) : await seedFailedWebhookDelivery(db, spec);
    process.stdout.write(`${JSON.stringify(seeded)}\n`);
  } finally {
    await db.$disconnect();
  }
}

// A plain call, not top-level await: tsx loads this file as CommonJS.
main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
