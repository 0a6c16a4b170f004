import "server-only";
import { credentialModeLabel, credentialOfferWords, credentialRenewalText } from "../domain/secret/credential-mode";
import { canView, type Viewer } from "../domain/connection/viewer";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { CONNECTION_VIEW_SELECT, getRunView } from "../provisioning/get-run-view";
import { getPortalEngine as portalEngine } from "../provisioning/run-pool";
import type { ConnectionView, RunView } from "../domain/run/run-view";
import type { Engine } from "../provisioning/engine";
import { UNFINISHED_RUN_STATUSES } from "../domain/run/machine";
import { parseStoredRunOptions } from "../domain/run/run-options";
import { asHealthCause } from "../domain/connection/health-machine";
import type { ConnectionHealthView } from "./health-notice";

/**
 * lib/connect's one door into the provisioning engine: the process's engine, whose run pool starts every approved or
 * retried run at once (on every path: cloud, legacy, on-premises, disconnect, verification), viewer-scoped reads, and
 * whether the admin's Microsoft sign-in is held for a connection. There is no other engine accessor: a run that does
 * not go through the pool would be driven inside a request, and a wait would come back as a failure.
 */

export type { Viewer };

export function getPortalEngine(): Engine {
  return portalEngine();
}

/** The run view's connection columns and what the journey adds (selected one by one: a secret never rides along). */
const CONNECTION_SELECT = {
  ...CONNECTION_VIEW_SELECT,
  integrationUsername: true,
  onPremisesSignIn: true,
  adfsClientId: true,
  webApiVersion: true,
  tenantDomain: true,
  syncOptions: true,
  updatedAt: true,
  healthState: true,
  healthCause: true,
  healthSince: true,
  healthCheckedAt: true,
} as const;

export type JourneyConnection = ConnectionView & {
  tenantDomain: string | null;
  integrationUsername: string | null;
  /** On-premises: "ntlm" or "adfs" once connected, the AD FS client id, and the Web API version that answered. */
  onPremisesSignIn: string | null;
  adfsClientId: string | null;
  webApiVersion: string | null;
  syncOptions: unknown;
  updatedAt: string;
  /** What the last health probes found (null until first probed), for the status page. */
  health: ConnectionHealthView | null;
  /** What the app signs in with, in the admin's words (null until a credential is proven; password modes). */
  credentialLabel: string | null;
  /** What keeps that credential working, in the status page's words (only what the portal does). */
  credentialRenewal: string | null;
  /** How the status page's offers (verify, repair, start over) name this connection's credential. */
  credentialOffers: ReturnType<typeof credentialOfferWords>;
};

/** A connection as the viewer may see it; another account's connection is not found (same answer as an unknown id). */
export async function getConnectionForViewer(db: Db, connectionId: string, viewer: Viewer): Promise<Result<JourneyConnection>> {
  const found = await db.connection.findUnique({ where: { id: connectionId }, select: CONNECTION_SELECT });
  if (!found || !canView(viewer, found.accountId)) return fail(appError("not_found", "That connection does not exist for your account."));
  const { healthState, healthCause, healthSince, healthCheckedAt, ...row } = found;
  return ok({
    ...row,
    lastVerifiedAt: row.lastVerifiedAt?.toISOString() ?? null,
    secretExpiresAt: row.secretExpiresAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
    credentialLabel: row.credentialMode ? credentialModeLabel(row.credentialMode) : null,
    credentialRenewal: row.credentialMode ? credentialRenewalText(row.credentialMode) : null,
    credentialOffers: credentialOfferWords(row.credentialMode),
    health: healthState
      ? {
          state: healthState,
          cause: asHealthCause(healthCause),
          since: healthSince?.toISOString() ?? null,
          checkedAt: healthCheckedAt?.toISOString() ?? null,
        }
      : null,
  });
}

export type LatestRun = { id: string; status: string; approved: boolean; kind: string };

/** The connection's most recent run (the checklist shows it), or null before the first one. */
export async function getLatestRun(db: Db, connectionId: string): Promise<LatestRun | null> {
  const run = await db.provisioningRun.findFirst({
    where: { connectionId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, status: true, approvedAt: true, kind: true },
  });
  return run ? { id: run.id, status: run.status, approved: run.approvedAt !== null, kind: run.kind } : null;
}

/** A run's view for a viewer (the engine's viewer-scoped read). */
export function getRunViewForViewer(db: Db, runId: string, viewer: Viewer): Promise<Result<RunView>> {
  return getRunView(db, runId, { viewer });
}

/** The connection's open run (planning, awaiting approval or under way), if any: its tenant, mode and kind. */
export async function findOpenRunFacts(db: Db, connectionId: string): Promise<{ tenantId: string | null; mode: string | null; kind: string } | null> {
  const run = await db.provisioningRun.findFirst({
    where: { connectionId, status: { in: [...UNFINISHED_RUN_STATUSES] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { tenantId: true, kind: true, options: true },
  });
  if (!run) return null;
  return { tenantId: run.tenantId, kind: run.kind, mode: parseStoredRunOptions(run.options)?.mode ?? null };
}
