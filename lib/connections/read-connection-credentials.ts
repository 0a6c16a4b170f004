import "server-only";
import type { ApiCaller } from "../api-auth/app-roles";
import { apiCallerActor } from "../api-auth/app-roles";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { readActiveSecret } from "../domain/secret/store-secret";

/** What Act-On's Dynamics connector signs in with, by the connection's mode. */
export type ConnectionCredentials =
  | {
      authMode: "cloud";
      connectionId: string;
      tenantId: string;
      environmentUrl: string;
      clientId: string;
      clientSecret: string;
      clientSecretExpiresAt: string | null;
    }
  | { authMode: "legacy"; connectionId: string; tenantId: string; environmentUrl: string; clientId: string; username: string; password: string }
  | { authMode: "onprem"; connectionId: string; environmentUrl: string; username: string; password: string };

const unavailable = (what: string) =>
  fail<ConnectionCredentials>(appError("conflict", `This connection has no ${what} to hand out. Reconnect it from the portal.`));

/**
 * The credentials Act-On's Dynamics connector signs in with, for an Active connection only. Every successful read is
 * written to the audit log with the caller (never the values); the caller must send the answer nowhere but the connector.
 */
export async function readConnectionCredentials(
  db: Db,
  options: { connectionId: string; caller: ApiCaller; keys: EncryptionKey[] | undefined },
): Promise<Result<ConnectionCredentials>> {
  const connection = await db.connection.findUnique({
    where: { id: options.connectionId },
    select: {
      id: true,
      accountId: true,
      status: true,
      authMode: true,
      tenantId: true,
      environmentUrl: true,
      clientId: true,
      integrationUsername: true,
      secretExpiresAt: true,
    },
  });
  if (!connection) return fail(appError("not_found", "No connection with that id."));
  if (connection.status !== "active") {
    return fail(appError("conflict", `Credentials are available only for an Active connection; this one is ${connection.status}.`));
  }
  if (!options.keys) {
    log.error("api: PORTAL_ENCRYPTION_KEYS is not set, so stored credentials cannot be read");
    return fail(appError("internal", "The portal cannot read stored credentials right now."));
  }
  const kind = connection.authMode === "cloud" ? "clientSecret" : "password";
  const secret = await readActiveSecret(db, { connectionId: connection.id, kind, keys: options.keys });
  if (secret.status === "none") return unavailable(kind === "clientSecret" ? "client secret" : "password");
  if (secret.status === "unreadable") {
    log.error("api: an active secret could not be decrypted", { connectionId: connection.id, secretId: secret.id });
    return fail(appError("internal", "The portal cannot read this connection's credentials. Reconnect it from the portal."));
  }
  const { environmentUrl, tenantId, clientId, integrationUsername } = connection;
  let credentials: ConnectionCredentials;
  if (connection.authMode === "cloud") {
    if (!environmentUrl || !tenantId || !clientId) return unavailable("complete app registration");
    credentials = {
      authMode: "cloud",
      connectionId: connection.id,
      tenantId,
      environmentUrl,
      clientId,
      clientSecret: secret.value,
      clientSecretExpiresAt: (secret.expiresAt ?? connection.secretExpiresAt)?.toISOString() ?? null,
    };
  } else if (connection.authMode === "legacy") {
    if (!environmentUrl || !tenantId || !clientId || !integrationUsername) return unavailable("complete integration user");
    credentials = {
      authMode: "legacy",
      connectionId: connection.id,
      tenantId,
      environmentUrl,
      clientId,
      username: integrationUsername,
      password: secret.value,
    };
  } else {
    if (!environmentUrl || !integrationUsername) return unavailable("complete domain user");
    credentials = { authMode: "onprem", connectionId: connection.id, environmentUrl, username: integrationUsername, password: secret.value };
  }
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: "connection.credentials.read",
    accountId: connection.accountId,
    connectionId: connection.id,
    outcome: "success",
    detail: { secretId: secret.id, authMode: connection.authMode, callerKind: options.caller.kind, callerName: options.caller.name },
  });
  return ok(credentials);
}
