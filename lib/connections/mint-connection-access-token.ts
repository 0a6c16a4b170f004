import "server-only";
import type { ApiCaller } from "../api-auth/app-roles";
import { apiCallerActor } from "../api-auth/app-roles";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { readActiveAppCredential } from "../domain/secret/app-credential";
import { credentialModeOf } from "../domain/secret/credential-mode";
import { getAppAccessToken } from "../microsoft/app-tokens";
import { isMicrosoftError, type MicrosoftError } from "../microsoft/errors";
import type { RetryPolicy } from "../microsoft/http";
import { identityConfigFromEnv, type IdentityConfig } from "../microsoft/identity-config";
import type { AppCredential } from "../microsoft/app-tokens";

export type ConnectionAccessToken = { accessToken: string; expiresOn: string; environmentUrl: string; tenantId: string };

export type MintAccessTokenDeps = {
  db: Db;
  keys: EncryptionKey[] | undefined;
  /** Microsoft's endpoints; the environment's when absent. */
  identity?: IdentityConfig;
  callTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
};

/**
 * A Dataverse access token for an Active app-only connection, minted by the portal with the connection's own
 * credential, so Act-On's connector never holds a long-lived one. The token comes from MSAL's cache until five minutes
 * before it expires. Every answer (a token or a refusal by Microsoft) is audited with the caller, never the token.
 * A password connection (legacy, on-premises) has no app credential to mint with: 409.
 */
export async function mintConnectionAccessToken(
  deps: MintAccessTokenDeps,
  input: { connectionId: string; caller: ApiCaller },
): Promise<Result<ConnectionAccessToken>> {
  const connection = await deps.db.connection.findUnique({
    where: { id: input.connectionId },
    select: { id: true, accountId: true, status: true, authMode: true, tenantId: true, clientId: true, environmentUrl: true, credentialMode: true },
  });
  if (!connection) return fail(appError("not_found", "No connection with that id."));
  if (connection.status !== "active") {
    return fail(appError("conflict", `Tokens are minted only for an Active connection; this one is ${connection.status}.`));
  }
  const { tenantId, clientId, environmentUrl } = connection;
  if (connection.authMode !== "cloud" || !tenantId || !clientId || !environmentUrl) {
    return fail(
      appError(
        "conflict",
        `This connection signs in with a user's password (${connection.authMode} mode), so the portal has no app credential to mint a token with. Read its credentials instead.`,
      ),
    );
  }
  const mode = credentialModeOf(connection);
  if (!deps.keys && mode !== "connector") {
    log.error("api: PORTAL_ENCRYPTION_KEYS is not set, so no connection token can be minted");
    return fail(appError("internal", "The portal cannot read stored credentials right now."));
  }
  const secret =
    mode === "connector"
      ? connectorCredential(deps.identity ?? identityConfigFromEnv(), clientId)
      : await readActiveAppCredential(deps.db, { connectionId: connection.id, mode, keys: deps.keys! });
  if (secret.status !== "open") {
    log.error("api: an Active connection has no readable app credential", {
      mode,
      connectionId: connection.id,
      secretId: secret.status === "unreadable" ? secret.id : undefined,
      connectorConfigured: mode === "connector" ? secret.status !== "missing" : undefined,
    });
    return fail(appError("conflict", "This connection has no working credential to mint a token with. Reconnect it from the portal."));
  }

  const audit = (outcome: "success" | "failure", detail: Record<string, unknown>) =>
    recordAuditEvent(deps.db, {
      actor: apiCallerActor(input.caller),
      action: "connection.access_token.minted",
      accountId: connection.accountId,
      connectionId: connection.id,
      outcome,
      detail: { callerKind: input.caller.kind, callerName: input.caller.name, credentialMode: mode, secretId: secret.id ?? null, ...detail },
    });
  try {
    const token = await getAppAccessToken({
      config: deps.identity ?? identityConfigFromEnv(),
      timeoutMs: deps.callTimeoutMs,
      retry: deps.retry,
      tenantId,
      clientId,
      ...secret.credential,
      resource: { environmentUrl },
    });
    await audit("success", { expiresOn: token.expiresOn.toISOString() });
    return ok({ accessToken: token.accessToken, expiresOn: token.expiresOn.toISOString(), environmentUrl, tenantId });
  } catch (error) {
    if (!isMicrosoftError(error)) throw error;
    await audit("failure", { code: error.appError.code, status: error.status ?? null, requestIds: error.requestIds });
    return fail(refusalOf(error));
  }
}

/**
 * Microsoft's answer in terms of this API: its outage is the portal's upstream (502, try again); a refusal of the
 * credential is the connection's state (409), never a 401 that would read as the caller's own token being refused.
 */
function refusalOf(error: MicrosoftError) {
  const extra = { detail: error.appError.detail, requestIds: error.requestIds };
  if (error.appError.retryable) {
    return appError("upstream_unavailable", "Microsoft's sign-in service did not answer. Try again shortly.", { ...extra, retryable: true });
  }
  return appError(
    "conflict",
    `Microsoft refused this connection's credential: ${error.appError.userMessage} Its admin can repair the connection from the portal.`,
    extra,
  );
}

/**
 * A connector connection's credential is Act-On's connector certificate (ACTON_CONNECTOR_*), nothing stored for it;
 * `missing` when the portal no longer has that configuration, or the connection names another app.
 */
function connectorCredential(
  identity: IdentityConfig,
  clientId: string,
): { status: "open"; id: null; credential: AppCredential } | { status: "missing" } {
  const connector = identity.actonConnector;
  if (!connector || connector.appId !== clientId.toLowerCase()) return { status: "missing" };
  return { status: "open", id: null, credential: { certificate: connector.certificate } };
}
