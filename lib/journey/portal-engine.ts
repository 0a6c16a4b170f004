import "server-only";
import { hostname } from "node:os";
import { getDb, type Db } from "../db";
import { getEnv } from "../env";
import { appError, fail, ok, type Result } from "../errors";
import { engineConfigFromEnv } from "../provisioning/config";
import { driveRunWith, type Engine } from "../provisioning/engine";
import { getRunView as getRunViewUnscoped } from "../provisioning/get-run-view";
import type { ConnectionView, RunView } from "../provisioning/run-view";
import { log } from "../log";

/**
 * The journey's one door into the provisioning engine: the process-wide engine, viewer-scoped reads and waking an
 * approved run. Pages, actions and route handlers go through here, never around it.
 */

export type Viewer = { kind: "account"; accountId: string } | { kind: "support" } | { kind: "system" };

const globalForEngine = globalThis as unknown as { portalEngine?: Engine };

/** The process-wide engine (built on first use: `next build` evaluates modules without secrets). */
export function getPortalEngine(): Engine {
  return (globalForEngine.portalEngine ??= {
    db: getDb(),
    config: engineConfigFromEnv(getEnv()),
    owner: `${hostname()}:${process.pid}:web`,
  });
}

const CONNECTION_SELECT = {
  id: true,
  accountId: true,
  status: true,
  authMode: true,
  environmentUrl: true,
  environmentName: true,
  tenantId: true,
  tenantDomain: true,
  clientId: true,
  applicationUserId: true,
  securityRole: true,
  lastVerifiedAt: true,
  secretExpiresAt: true,
  lastErrorCode: true,
  lastErrorMessage: true,
  syncOptions: true,
  updatedAt: true,
} as const;

export type JourneyConnection = ConnectionView & { tenantDomain: string | null; syncOptions: unknown; updatedAt: string };

/** A connection as the viewer may see it; another account's connection is not found. */
export async function getConnectionForViewer(db: Db, connectionId: string, viewer: Viewer): Promise<Result<JourneyConnection>> {
  const row = await db.connection.findUnique({ where: { id: connectionId }, select: CONNECTION_SELECT });
  if (!row || (viewer.kind === "account" && row.accountId !== viewer.accountId)) {
    return fail(appError("not_found", "That connection does not exist for your account."));
  }
  const { accountId: _accountId, ...rest } = row;
  return ok({
    ...rest,
    lastVerifiedAt: row.lastVerifiedAt?.toISOString() ?? null,
    secretExpiresAt: row.secretExpiresAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  });
}

export type LatestRun = { id: string; status: string; approved: boolean; kind: string };

/** The connection's most recent run (the checklist shows it), or null before the first one. */
export async function getLatestRun(db: Db, connectionId: string): Promise<LatestRun | null> {
  const run = await db.provisioningRun.findFirst({
    where: { connectionId },
    orderBy: { createdAt: "desc" },
    select: { id: true, status: true, approvedAt: true, kind: true },
  });
  return run ? { id: run.id, status: run.status, approved: run.approvedAt !== null, kind: run.kind } : null;
}

/** A run's view for a viewer; a run of another account's connection is not found. */
export async function getRunViewForViewer(db: Db, runId: string, viewer: Viewer): Promise<Result<RunView>> {
  const view = await getRunViewUnscoped(db, runId);
  if (!view.ok) return view;
  if (viewer.kind === "account") {
    const owner = await db.connection.findUnique({ where: { id: view.value.connection.id }, select: { accountId: true } });
    if (owner?.accountId !== viewer.accountId) return fail(appError("not_found", "That setup run does not exist."));
  }
  return view;
}

/** True when the engine holds the admin's Microsoft sign-in for this connection (the run acts as them). */
export async function hasStoredAdminSignIn(db: Db, connectionId: string): Promise<boolean> {
  const row = await db.secret.findFirst({ where: { connectionId, kind: "adminTokenCache", status: "active" }, select: { id: true } });
  return row !== null;
}

/** Starts an approved (or retried) run at once on this instance instead of at the next background tick. */
export function wakeRun(runId: string): void {
  const engine = getPortalEngine();
  void driveRunWith(engine, runId).catch((error) => log.error("journey: driving the run failed", { runId, error }));
}
