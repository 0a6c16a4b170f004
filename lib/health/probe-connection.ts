import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import type { Db } from "../core/db";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { readSecret } from "../domain/secret/store-secret";
import { recordHealthProbe, type ProbeFinding } from "../domain/connection/health";
import { HEALTH_CAUSE_FIXES, type HealthCause, type HealthState } from "../domain/connection/health-machine";
import { getAppToken } from "../microsoft/app-tokens";
import { whoAmI } from "../microsoft/dataverse";
import { isMicrosoftError } from "../microsoft/errors";
import type { CallSettings } from "../microsoft/http";
import type { IdentityConfig } from "../microsoft/identity-config";
import { classifyProbeFailure } from "./classify-probe-failure";

export type ProbeDeps = {
  db: Db;
  config: { identity: IdentityConfig; keys: EncryptionKey[]; callTimeoutMs: number };
  /** Retry policy and the like for the Microsoft calls (the default policy honours Retry-After and backs off on 429). */
  call?: CallSettings;
  now?: () => Date;
};

export type ProbeReport = {
  connectionId: string;
  ok: boolean;
  state: HealthState;
  previousState: string | null;
  cause: HealthCause | null;
  /** The customer's fix in words; null when healthy. */
  fix: string | null;
  /** For support: Microsoft's status, code and request ids (never a secret); null when healthy. */
  detail: string | null;
  since: Date;
  checkedAt: Date;
  /** A `connection.health_changed` event was written to the webhook outbox. */
  changed: boolean;
  durationMs: number;
};

/**
 * Probes one Active cloud connection now, as Act-On's connector signs in: an app-only token with the stored client
 * secret (never a cached token: the probe proves the secret works now), then WhoAmI, which Dataverse answers only
 * for the enabled application user of the app that holds a role. A secret past its expiry fails without a call.
 * The finding is recorded (health-machine.ts rules), and Act-On told when the state or cause changed.
 * Fails (no probe recorded) only when the connection cannot be probed: unknown, not Active, not cloud mode.
 */
export async function probeConnection(deps: ProbeDeps, input: { connectionId: string }): Promise<Result<ProbeReport>> {
  const connection = await deps.db.connection.findUnique({
    where: { id: input.connectionId },
    select: { id: true, status: true, authMode: true, tenantId: true, clientId: true, environmentUrl: true, secretExpiresAt: true },
  });
  if (!connection) return fail(appError("not_found", "No connection has this id."));
  if (connection.status !== "active")
    return fail(appError("conflict", `Only an Active connection is probed; this one is ${connection.status}.`, { detail: connection.status }));
  if (connection.authMode !== "cloud" || !connection.tenantId || !connection.clientId || !connection.environmentUrl)
    return fail(appError("conflict", `Health probes cover cloud (app-only) connections; this one is in ${connection.authMode} mode.`));
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const at = now();
  const probed = await probe(
    deps,
    { ...connection, tenantId: connection.tenantId, clientId: connection.clientId, environmentUrl: connection.environmentUrl },
    at,
  );
  if (!probed.ok) return probed;
  const finding = probed.value;
  const durationMs = performance.now() - started;
  const recorded = await recordHealthProbe(deps.db, { connectionId: connection.id, at, finding, durationMs });
  const cause = recorded.next.cause;
  return ok({
    connectionId: connection.id,
    ok: finding.ok,
    state: recorded.next.state,
    previousState: recorded.previous.state,
    cause,
    fix: cause ? HEALTH_CAUSE_FIXES[cause] : null,
    detail: finding.ok ? null : finding.detail,
    since: recorded.next.since,
    checkedAt: at,
    changed: recorded.changed,
    durationMs: Math.round(durationMs),
  });
}

type Probed = { id: string; tenantId: string; clientId: string; environmentUrl: string; secretExpiresAt: Date | null };

/** What the probe found, or why it could not run (a stored secret the portal's keys cannot open). */
async function probe(deps: ProbeDeps, connection: Probed, at: Date): Promise<Result<ProbeFinding>> {
  const secret = await deps.db.secret.findFirst({
    where: { connectionId: connection.id, kind: "clientSecret", status: "active" },
    orderBy: { createdAt: "desc" },
    select: { id: true, expiresAt: true },
  });
  if (!secret) return ok({ ok: false, cause: "credential_removed", detail: "no active client secret is stored for this connection" });
  const expiresAt = secret.expiresAt ?? connection.secretExpiresAt;
  if (expiresAt && expiresAt.getTime() <= at.getTime())
    return ok({ ok: false, cause: "credential_expired", detail: `the client secret expired at ${expiresAt.toISOString()}` });
  const opened = await readSecret(deps.db, { secretId: secret.id, keys: deps.config.keys });
  if (!opened?.ok)
    return fail(appError("internal", "The stored client secret could not be opened with the portal's keys.", { detail: `secret ${secret.id}` }));
  const call = { ...deps.call, timeoutMs: deps.call?.timeoutMs ?? deps.config.callTimeoutMs };
  try {
    const token = await getAppToken({
      ...call,
      config: deps.config.identity,
      tenantId: connection.tenantId,
      clientId: connection.clientId,
      clientSecret: opened.value,
      resource: { environmentUrl: connection.environmentUrl },
      skipCache: true,
    });
    await whoAmI({ ...call, environmentUrl: connection.environmentUrl, getToken: async () => token });
    return ok({ ok: true });
  } catch (error) {
    if (!isMicrosoftError(error)) throw error;
    return ok({ ok: false, cause: classifyProbeFailure(error), detail: error.appError.detail ?? error.message });
  }
}
