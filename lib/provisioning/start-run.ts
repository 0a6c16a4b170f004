import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { appError, fail, type AppError, type Result } from "../core/errors";
import { log, redactText } from "../core/log";
import { isMicrosoftError } from "../microsoft/errors";
import type { AdminSession } from "../microsoft/admin-session";
import { storeSecret } from "../domain/secret/store-secret";
import { auditActorOf, checkActingTenant, type Actor } from "./actor";
import { loadAdminSession, persistAdminSessionIfChanged, saveAdminSession } from "../domain/session/admin-sign-in";
import { chooseConnectionMode } from "../domain/connection/commands";
import { createConnection } from "../domain/connection/create-connection";
import { buildStepContext, loadConnectionFacts, type Engine } from "./engine";
import { stepsFor, type ConnectionStatus, type RunKind } from "../domain/run/machine";
import { computePlan } from "./plan";
import { planGaveUpMessage, planRetryPolicy } from "./plan-retry";
import { runOptionsSchema, type RunOptionsInput } from "../domain/run/run-options";
import { chooseCredentialMode, type CredentialMode } from "../domain/secret/credential-mode";
import { getRunView } from "./get-run-view";
import type { RunView } from "../domain/run/run-view";
import { keyPairReserve } from "./prepared-key-pair";
import { createRun, failPlanning, isActiveRunConflict, loadRun, storePlan } from "../domain/run/run-store";
import type { Prisma } from "@/generated/sqlite/client";

export type StartRunInput = {
  /** The Act-On account (portal id). A connect run creates a connection unless `connectionId` names one. */
  accountId: string;
  connectionId?: string;
  kind: Exclude<RunKind, "disconnect">;
  options: RunOptionsInput;
  /** The admin's Microsoft sign-in; needed by every mode but on-premises. */
  session?: AdminSession | null;
  /** Legacy / on-premises: the integration user's password, stored encrypted, never returned. */
  password?: string;
  actor: Actor;
};

/**
 * Starts a run: validates the request, stores the admin's sign-in and any password encrypted, computes the dry-run
 * plan and leaves the run awaiting the admin's approval. Nothing is written at Microsoft.
 */
export async function startRun(engine: Engine, input: StartRunInput): Promise<Result<RunView>> {
  const parsed = runOptionsSchema.safeParse(input.options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(appError("invalid_input", `${issue.path.join(".") || "options"}: ${issue.message}`));
  }
  const options = parsed.data;
  const { db } = engine;
  if (options.mode !== "onprem" && !input.session) return fail(appError("unauthorized", "Sign in with Microsoft first: the setup acts as you."));
  if ((options.mode === "legacy" || options.mode === "onprem") && input.kind === "connect") {
    if (!options.integrationUsername) return fail(appError("invalid_input", "Enter the integration user's name."));
    if (!input.password) return fail(appError("invalid_input", "Enter the integration user's password."));
  }
  if (input.kind === "migrate" && !input.connectionId) return fail(appError("invalid_input", "Choose the Basic-auth connection to move to OAuth."));
  if (input.kind === "migrate" && options.mode !== "cloud") {
    return fail(appError("invalid_input", "A migration always moves the connection to app-only OAuth (cloud mode)."));
  }

  // Asked for a mode this portal does not offer: refused before anything is stored.
  const connectorConfigured = !!engine.config.identity.actonConnector;
  if (options.mode === "cloud" && options.credential) {
    const asked = chooseCredentialMode({ asked: options.credential, current: null, connectorConfigured });
    if (!asked.ok) return fail(appError("invalid_input", `credential: ${asked.message}`));
  }

  const account = await db.account.findUnique({ where: { id: input.accountId }, select: { id: true } });
  if (!account) return fail(appError("not_found", "That Act-On account is not known to the portal."));

  // The one who signs in is the one who acts: the tenant rule is checked on the Microsoft sign-in itself.
  const actor: Actor = input.session ? { ...input.actor, tenantId: input.session.tenantId ?? input.actor.tenantId } : input.actor;
  let connectionId = input.connectionId;
  let statusBefore: ConnectionStatus = "draft";
  let currentCredential: CredentialMode | null = null;
  if (connectionId) {
    const existing = await db.connection.findFirst({
      where: { id: connectionId, accountId: account.id },
      select: { authMode: true, status: true, tenantId: true, credentialMode: true },
    });
    if (!existing) return fail(appError("not_found", "That connection does not exist for this account."));
    const refused = input.session || existing.tenantId ? checkActingTenant(actor, existing.tenantId, "start") : null;
    if (refused) return fail(refused);
    statusBefore = existing.status;
    currentCredential = existing.authMode === "cloud" ? existing.credentialMode : null;
    if (input.kind === "migrate" && existing.authMode !== "legacy") {
      return fail(
        appError("invalid_input", "Only a connection that signs in with a user name and password (Basic or legacy OAuth) can be moved to OAuth."),
      );
    }
    if (input.kind === "connect" && existing.authMode !== options.mode) {
      if (!["draft", "failed", "disconnected"].includes(existing.status)) {
        return fail(
          appError(
            "invalid_input",
            `This connection uses ${existing.authMode} mode. Disconnect it first, or migrate a user-name-and-password connection to OAuth.`,
          ),
        );
      }
      await chooseConnectionMode(db, { connectionId, authMode: options.mode });
    }
  } else {
    const created = await createConnection(db, { accountId: account.id, authMode: options.mode });
    connectionId = created.id;
  }

  // A cloud run stores the mode it uses, so its steps, plan and verify agree on it whatever the defaults become.
  if (options.mode === "cloud") {
    const choice = chooseCredentialMode({
      asked: options.credential,
      current: currentCredential,
      connectorConfigured,
    });
    if (!choice.ok) return fail(appError("invalid_input", `credential: ${choice.message}`));
    options.credential = choice.mode;
    // The certificate's key is made while the admin reads the plan, not when their approval starts the drive.
    if (choice.mode === "certificate" && options.secret !== "keep") keyPairReserve.fill();
  }

  // The run is created first: the database admits one unfinished run per connection, so a concurrent start (on any
  // instance) stops here, before anything of this request is stored.
  let run;
  try {
    run = await createRun(db, {
      connectionId,
      kind: input.kind,
      steps: stepsFor(input.kind, options.mode, undefined, options.credential),
      options,
      connectionStatusBefore: statusBefore,
      tenantId: input.session?.tenantId ?? null,
      // Planning is leased like a step: if this instance dies before the plan is stored, the resumer frees the
      // connection once the lease has lapsed (clearOrphanedPlanning).
      planner: { owner: engine.owner, leaseMs: engine.config.leaseMs },
    });
  } catch (error) {
    if (isActiveRunConflict(error))
      return fail(appError("conflict", "A setup run is already in progress for this connection. Finish or cancel it first."));
    throw error;
  }
  if (input.kind === "connect" && options.integrationUsername) {
    await chooseConnectionMode(db, {
      connectionId,
      authMode: options.mode,
      integrationUsername: options.integrationUsername,
      adfsClientId: options.mode === "onprem" ? options.adfsClientId : undefined,
    });
  }
  if (input.session) {
    await saveAdminSession(db, { connectionId, session: input.session, keys: engine.config.keys, ttlMs: engine.config.adminSessionTtlMs });
  }
  if (input.password && input.kind === "connect") {
    await storeSecret(db, { connectionId, kind: "password", plaintext: input.password, keys: engine.config.keys, status: "pending" });
  }
  await recordAuditEvent(db, {
    actor: auditActorOf(actor),
    action: `run.started`,
    accountId: account.id,
    connectionId,
    runId: run.id,
    detail: { kind: input.kind, mode: options.mode, role: options.role, tenantId: actor.tenantId ?? null },
  });
  return planRun(engine, run.id, input.session);
}

/**
 * Computes and stores the plan of a run in `planning`, then awaits approval. A Microsoft failure fails the run.
 * The caller's live session is used when given (its token cache is warm); otherwise the stored one.
 */
export async function planRun(engine: Engine, runId: string, liveSession?: AdminSession | null): Promise<Result<RunView>> {
  const run = (await loadRun(engine.db, runId))!;
  const connection = await loadConnectionFacts(engine.db, run.connectionId);
  const session =
    liveSession ?? (await loadAdminSession(engine.db, { connectionId: run.connectionId, keys: engine.config.keys, config: engine.config.identity }));
  const startedAt = Date.now();
  const call = { ...engine.call, retry: planRetryPolicy(engine.config, engine.call?.retry, startedAt) };
  const ctx = buildStepContext({ ...engine, call }, { run, step: run.steps[0].name, connection, session });
  try {
    const plan = await computePlan(
      ctx,
      run.steps.map((s) => s.name),
    );
    // The access tokens the plan was read with go with the stored sign-in: the drive that follows the approval acts
    // as the same person with them instead of asking Microsoft for each again (MSAL refreshes them near expiry).
    // Saved before the plan is, so an approval never races it.
    if (session)
      await persistAdminSessionIfChanged(engine.db, {
        connectionId: run.connectionId,
        session,
        keys: engine.config.keys,
        sameAccountOnly: true,
      }).catch((error: unknown) => log.warn("provisioning: could not save the plan's tokens with the admin's sign-in", { runId, error }));
    if (!(await storePlan(engine.db, run, plan as unknown as Prisma.InputJsonObject))) {
      // The planner took longer than its lease and a step's time limit together: the run was cleared as orphaned.
      return fail(appError("conflict", "Preparing the plan took too long and was stopped. Start again to prepare a new plan."));
    }
  } catch (error) {
    // Whatever went wrong, the run must not stay in `planning`: that would block its connection.
    const appErr = planningError(error, Date.now() - startedAt);
    if (!isMicrosoftError(error)) log.error("provisioning: planning failed", { runId, error });
    // Planning wrote nothing at Microsoft and was never approved: the connection's status stays as it was (an Active
    // connection is not marked failed because a plan could not be read); only the error is recorded.
    await failPlanning(engine.db, run, { code: appErr.code, message: appErr.userMessage, at: new Date() });
    return fail(appErr);
  }
  return getRunView(engine.db, runId, { viewer: { kind: "system" } });
}

/** What a failed plan records and answers: Microsoft's error in its words, or ours for anything else. */
function planningError(error: unknown, elapsedMs: number): AppError {
  if (!isMicrosoftError(error)) {
    return appError("internal", "We could not prepare the plan. Try again; if it fails again, contact Act-On support.", {
      detail: redactText(error instanceof Error ? error.message : String(error)),
    });
  }
  // A retryable error here has outlasted the plan's budget: nothing will try again, so nothing may promise it.
  if (error.appError.retryable) return { ...error.appError, userMessage: planGaveUpMessage(error.appError, elapsedMs) };
  return error.appError;
}
