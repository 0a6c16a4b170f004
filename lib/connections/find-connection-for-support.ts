import "server-only";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { STEP_LABELS } from "../domain/run/machine";
import { ROTATION_PHASE_LABELS } from "../domain/secret/rotation/rotation-schedule";
import { asHealthCause, healthCauseFix } from "../domain/connection/health-machine";
import { remediationFor, type SupportAuditEntry, type SupportConnectionDetail, type SupportRunView } from "./support-connection-view";
import type { ConnectionStatus } from "../domain/connection/status";
import type { AuthMode } from "./support-search";

/** How much history one page shows: the latest runs and audit events (a connection rarely has more). */
const SUPPORT_RUNS_SHOWN = 20;
const SUPPORT_AUDIT_SHOWN = 200;
/** Enough probes to see a pattern (a blip, a streak of failures) without paging. */
const SUPPORT_PROBES_SHOWN = 20;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * One connection as support sees it: state, the timeline of its latest runs with every step (times, attempts, error
 * code, message, remediation, Microsoft request ids) and its audit log, newest first. Columns are selected one by
 * one, so neither a secret nor a step's internal output can ride along.
 */
export async function findConnectionForSupport(db: Db, connectionId: string): Promise<Result<SupportConnectionDetail>> {
  const connection = await db.connection.findUnique({
    where: { id: connectionId },
    select: {
      id: true,
      status: true,
      authMode: true,
      environmentUrl: true,
      environmentName: true,
      tenantId: true,
      tenantDomain: true,
      clientId: true,
      applicationUserId: true,
      securityRole: true,
      integrationUsername: true,
      lastVerifiedAt: true,
      secretExpiresAt: true,
      failingStep: true,
      failingErrorCode: true,
      currentRunId: true,
      healthState: true,
      healthCause: true,
      healthSince: true,
      healthCheckedAt: true,
      healthFailures: true,
      createdAt: true,
      updatedAt: true,
      account: { select: { id: true, actonAccountId: true, name: true } },
    },
  });
  if (!connection) return fail(appError("not_found", "There is no connection with that id."));

  const [runs, audit, probes, rotation] = await Promise.all([
    db.provisioningRun.findMany({
      where: { connectionId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: SUPPORT_RUNS_SHOWN,
      select: {
        id: true,
        kind: true,
        status: true,
        createdAt: true,
        startedAt: true,
        finishedAt: true,
        approvedBy: true,
        plan: true,
        steps: {
          orderBy: { position: "asc" },
          select: {
            name: true,
            status: true,
            attempts: true,
            startedAt: true,
            finishedAt: true,
            waitingFor: true,
            errorCode: true,
            userMessage: true,
            errorDetail: true,
            requestIds: true,
          },
        },
      },
    }),
    db.auditEvent.findMany({
      where: { connectionId },
      orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
      take: SUPPORT_AUDIT_SHOWN,
      select: { id: true, occurredAt: true, actorType: true, actorId: true, action: true, outcome: true, runId: true, detail: true },
    }),
    db.healthProbe.findMany({
      where: { connectionId },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: SUPPORT_PROBES_SHOWN,
      select: { at: true, ok: true, state: true, cause: true, detail: true, durationMs: true },
    }),
    db.credentialRotation.findFirst({
      where: { connectionId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: {
        phase: true,
        attempts: true,
        lastErrorCode: true,
        lastErrorDetail: true,
        nextAttemptAt: true,
        removeOldAfter: true,
        createdAt: true,
        finishedAt: true,
        newKeyId: true,
      },
    }),
  ]);
  const healthCause = asHealthCause(connection.healthCause);

  return ok({
    id: connection.id,
    account: connection.account,
    status: connection.status as ConnectionStatus,
    authMode: connection.authMode as AuthMode,
    environmentUrl: connection.environmentUrl,
    environmentName: connection.environmentName,
    tenantId: connection.tenantId,
    tenantDomain: connection.tenantDomain,
    clientId: connection.clientId,
    applicationUserId: connection.applicationUserId,
    securityRole: connection.securityRole,
    integrationUsername: connection.integrationUsername,
    lastVerifiedAt: iso(connection.lastVerifiedAt),
    secretExpiresAt: iso(connection.secretExpiresAt),
    failingStep: connection.failingStep,
    failingErrorCode: connection.failingErrorCode,
    currentRunId: connection.currentRunId,
    createdAt: connection.createdAt.toISOString(),
    updatedAt: connection.updatedAt.toISOString(),
    health: connection.healthState
      ? {
          state: connection.healthState,
          cause: healthCause,
          fix: healthCause ? healthCauseFix(healthCause, connection.authMode) : null,
          since: iso(connection.healthSince),
          checkedAt: iso(connection.healthCheckedAt),
          failures: connection.healthFailures,
        }
      : null,
    probes: probes.map((p) => ({
      at: p.at.toISOString(),
      ok: p.ok,
      state: p.state,
      cause: asHealthCause(p.cause),
      detail: p.detail,
      durationMs: p.durationMs,
    })),
    rotation: rotation
      ? {
          phase: rotation.phase,
          phaseLabel: ROTATION_PHASE_LABELS[rotation.phase],
          attempts: rotation.attempts,
          lastErrorCode: rotation.lastErrorCode,
          lastErrorDetail: rotation.lastErrorDetail,
          nextAttemptAt: rotation.nextAttemptAt.toISOString(),
          removeOldAfter: iso(rotation.removeOldAfter),
          startedAt: rotation.createdAt.toISOString(),
          finishedAt: iso(rotation.finishedAt),
          newKeyIdKnown: rotation.newKeyId !== null || ["started", "keyStored", "adding"].includes(rotation.phase),
        }
      : null,
    runs: runs.map((run): SupportRunView => ({
      id: run.id,
      kind: run.kind,
      status: run.status,
      createdAt: run.createdAt.toISOString(),
      startedAt: iso(run.startedAt),
      finishedAt: iso(run.finishedAt),
      approvedBy: run.approvedBy,
      whoChanged: whoChangedOf(run.plan),
      steps: run.steps.map((s) => ({
        name: s.name,
        label: (STEP_LABELS as Record<string, string>)[s.name] ?? s.name,
        status: s.status,
        attempts: s.attempts,
        startedAt: iso(s.startedAt),
        finishedAt: iso(s.finishedAt),
        waitingFor: s.waitingFor,
        error: s.errorCode
          ? {
              code: s.errorCode,
              message: s.userMessage ?? "",
              remediation: remediationFor(s.errorCode),
              detail: s.errorDetail,
              requestIds: Array.isArray(s.requestIds) ? s.requestIds.filter((r): r is string => typeof r === "string") : [],
            }
          : null,
      })),
    })),
    audit: audit.map((e): SupportAuditEntry => ({
      id: e.id,
      occurredAt: e.occurredAt.toISOString(),
      actorType: e.actorType,
      actorId: e.actorId,
      action: e.action,
      outcome: e.outcome,
      runId: e.runId,
      detail: flattenDetail(e.detail),
    })),
  });
}

/** The audit detail's scalar values as strings (it holds codes and ids; nested values are shown as JSON). */
function flattenDetail(detail: unknown): Record<string, string> {
  if (!detail || typeof detail !== "object" || Array.isArray(detail)) return {};
  return Object.fromEntries(Object.entries(detail as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The stored plan's "who changed what" lines; a plan is JSON written by this portal, but read it as untrusted. */
function whoChangedOf(plan: unknown): string[] {
  const lines = plan && typeof plan === "object" ? (plan as { whoChanged?: unknown }).whoChanged : undefined;
  return Array.isArray(lines) ? lines.filter((l): l is string => typeof l === "string") : [];
}
