import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import type { Db } from "../core/db";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { readActiveAppCredential } from "../domain/secret/app-credential";
import { credentialModeOf, type CredentialMode } from "../domain/secret/credential-mode";
import { recordHealthProbe, type ProbeFinding } from "../domain/connection/health";
import { healthCauseFix, type HealthCause, type HealthState } from "../domain/connection/health-machine";
import { getAppToken, type AppCredential } from "../microsoft/app-tokens";
import { whoAmI, type DataverseContext } from "../microsoft/dataverse";
import { isMicrosoftError } from "../microsoft/errors";
import type { CallSettings } from "../microsoft/http";
import type { IdentityConfig } from "../microsoft/identity-config";
import { checkConnectorPrivileges } from "./check-connector-privileges";
import { classifyProbeFailure } from "./classify-probe-failure";
import { probeOnPremises, type OnPremisesProbeTarget } from "./probe-on-premises";

export type ProbeDeps = {
  db: Db;
  config: {
    identity: IdentityConfig;
    keys: EncryptionKey[];
    callTimeoutMs: number;
    /** Private hosts an on-premises server may be on (ONPREM_ALLOWED_PRIVATE_HOSTS); none by default. */
    onPremisesAllowedPrivateHosts?: string[];
  };
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
  /** For support: Microsoft's status, code and request ids, or the missing privileges and their features (never a secret); null when healthy. */
  detail: string | null;
  since: Date;
  checkedAt: Date;
  /** A `connection.health_changed` event was written to the webhook outbox. */
  changed: boolean;
  durationMs: number;
};

/**
 * Probes one Active connection now, as Act-On's connector signs in. Cloud: an app-only token with the stored app
 * credential, a client secret or a certificate's signed assertion (never a cached token: the probe proves it works now), WhoAmI (which Dataverse answers only for the
 * enabled application user of the app that holds a role), then the privileges the connector needs as Dataverse
 * counts them for that user (`RetrieveUserSetOfPrivilegesByNames`, team roles included); a secret past its expiry
 * fails without a call. On-premises: the server's own sign-in (Windows/NTLM or AD FS) with the domain user's stored
 * password, then WhoAmI.
 * The finding is recorded (health-machine.ts rules), and Act-On told when the state or cause changed.
 * Fails (no probe recorded) only when the connection cannot be probed: unknown, not Active, legacy mode, incomplete.
 */
export async function probeConnection(deps: ProbeDeps, input: { connectionId: string }): Promise<Result<ProbeReport>> {
  const connection = await deps.db.connection.findUnique({
    where: { id: input.connectionId },
    select: {
      id: true,
      status: true,
      authMode: true,
      tenantId: true,
      clientId: true,
      environmentUrl: true,
      secretExpiresAt: true,
      integrationUsername: true,
      adfsClientId: true,
      webApiVersion: true,
      credentialMode: true,
    },
  });
  if (!connection) return fail(appError("not_found", "No connection has this id."));
  if (connection.status !== "active")
    return fail(appError("conflict", `Only an Active connection is probed; this one is ${connection.status}.`, { detail: connection.status }));
  const target = probeTargetOf(connection);
  if (!target)
    return fail(
      appError(
        "conflict",
        `Health probes cover cloud (app-only) and on-premises connections with their sign-in details; this one is in ${connection.authMode} mode.`,
      ),
    );
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const at = now();
  const call = { ...deps.call, timeoutMs: deps.call?.timeoutMs ?? deps.config.callTimeoutMs };
  const probed =
    target.mode === "cloud"
      ? await probeCloud(deps, target, at, call)
      : await probeOnPremises(
          { db: deps.db, keys: deps.config.keys, allowedPrivateHosts: deps.config.onPremisesAllowedPrivateHosts ?? [], call },
          target,
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
    fix: cause ? healthCauseFix(cause, connection.authMode) : null,
    detail: finding.ok ? null : finding.detail,
    since: recorded.next.since,
    checkedAt: at,
    changed: recorded.changed,
    durationMs: Math.round(durationMs),
  });
}

type CloudTarget = {
  mode: "cloud";
  id: string;
  tenantId: string;
  clientId: string;
  environmentUrl: string;
  secretExpiresAt: Date | null;
  credentialMode: CredentialMode;
};
type OnPremisesTarget = OnPremisesProbeTarget & { mode: "onprem" };

function probeTargetOf(c: {
  id: string;
  authMode: string;
  tenantId: string | null;
  clientId: string | null;
  environmentUrl: string | null;
  secretExpiresAt: Date | null;
  integrationUsername: string | null;
  adfsClientId: string | null;
  webApiVersion: string | null;
  credentialMode: CredentialMode | null;
}): CloudTarget | OnPremisesTarget | null {
  if (c.authMode === "cloud" && c.tenantId && c.clientId && c.environmentUrl)
    return {
      mode: "cloud",
      id: c.id,
      tenantId: c.tenantId,
      clientId: c.clientId,
      environmentUrl: c.environmentUrl,
      secretExpiresAt: c.secretExpiresAt,
      credentialMode: credentialModeOf(c),
    };
  if (c.authMode === "onprem" && c.environmentUrl && c.integrationUsername)
    return {
      mode: "onprem",
      id: c.id,
      environmentUrl: c.environmentUrl,
      username: c.integrationUsername,
      adfsClientId: c.adfsClientId,
      webApiVersion: c.webApiVersion,
    };
  return null;
}

/** What the probe of a cloud connection found, or why it could not run (a stored secret the portal's keys cannot open). */
async function probeCloud(deps: ProbeDeps, connection: CloudTarget, at: Date, call: CallSettings): Promise<Result<ProbeFinding>> {
  if (connection.credentialMode === "connector") {
    // Act-On's connector certificate, from configuration: nothing is stored for the connection, nothing of it expires.
    const connector = deps.config.identity.actonConnector;
    if (!connector || connector.appId !== connection.clientId.toLowerCase())
      return fail(
        appError("internal", "The Act-On Connector is not configured on this portal, so its connections cannot be probed.", {
          detail: "ACTON_CONNECTOR_APP_ID",
        }),
      );
    return probeWithToken(call, connection, { certificate: connector.certificate }, deps);
  }
  const noun = connection.credentialMode === "certificate" ? "certificate" : "client secret";
  const secret = await readActiveAppCredential(deps.db, { connectionId: connection.id, mode: connection.credentialMode, keys: deps.config.keys });
  if (secret.status === "none") return ok({ ok: false, cause: "credential_removed", detail: `no active ${noun} is stored for this connection` });
  const expiresAt = secret.expiresAt ?? connection.secretExpiresAt;
  if (expiresAt && expiresAt.getTime() <= at.getTime())
    return ok({ ok: false, cause: "credential_expired", detail: `the ${noun} expired at ${expiresAt.toISOString()}` });
  if (secret.status === "unreadable")
    return fail(appError("internal", `The stored ${noun} could not be opened with the portal's keys.`, { detail: `secret ${secret.id}` }));
  return probeWithToken(call, connection, secret.credential, deps);
}

/** An app-only token with `credential`, then WhoAmI and the privileges Act-On uses, as the connector would. */
async function probeWithToken(
  call: CallSettings,
  connection: CloudTarget,
  credential: AppCredential,
  deps: ProbeDeps,
): Promise<Result<ProbeFinding>> {
  try {
    const token = await getAppToken({
      ...call,
      ...credential,
      config: deps.config.identity,
      tenantId: connection.tenantId,
      clientId: connection.clientId,
      resource: { environmentUrl: connection.environmentUrl },
      skipCache: true,
    });
    const dv: DataverseContext = { ...call, environmentUrl: connection.environmentUrl, getToken: async () => token };
    const me = await whoAmI(dv);
    return ok(await checkConnectorPrivileges(dv, me.userId));
  } catch (error) {
    if (!isMicrosoftError(error)) throw error;
    return ok({ ok: false, cause: classifyProbeFailure(error), detail: error.appError.detail ?? error.message });
  }
}
