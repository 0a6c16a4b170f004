import "server-only";
import type { ApiCaller } from "../api-auth/app-roles";
import { apiCallerActor } from "../api-auth/app-roles";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { readActiveSecret } from "../domain/secret/store-secret";
import { readActiveAppCredential } from "../domain/secret/app-credential";
import { credentialModeOf } from "../domain/secret/credential-mode";
import { certificateThumbprints } from "../microsoft/certificate-credential";

/**
 * What Act-On's Dynamics connector signs in with, by the connection's mode. A certificate connection hands out no
 * credential at all (its private key never leaves the portal): only which certificate the app holds, and where the
 * connector gets short-lived tokens instead.
 */
export type ConnectionCredentials =
  | {
      authMode: "cloud";
      credentialMode: "certificate";
      connectionId: string;
      tenantId: string;
      environmentUrl: string;
      clientId: string;
      certificateThumbprint: string;
      certificateExpiresAt: string | null;
      accessTokensPath: string;
    }
  | {
      authMode: "cloud";
      credentialMode: "secret";
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
      credentialMode: true,
    },
  });
  if (!connection) return fail(appError("not_found", "No connection with that id."));
  if (connection.status !== "active") {
    return fail(appError("conflict", `Credentials are available only for an Active connection; this one is ${connection.status}.`));
  }
  if (connection.authMode === "cloud" && credentialModeOf(connection) === "connector") {
    return fail(
      appError(
        "conflict",
        `This connection signs in as the Act-On Connector with Act-On's own certificate: the portal stores no credential for it, so there is none to hand out. Get a short-lived token with POST /api/v1/connections/${connection.id}/access-tokens instead.`,
      ),
    );
  }
  if (!options.keys) {
    log.error("api: PORTAL_ENCRYPTION_KEYS is not set, so stored credentials cannot be read");
    return fail(appError("internal", "The portal cannot read stored credentials right now."));
  }
  if (connection.authMode === "cloud" && credentialModeOf(connection) === "certificate")
    return handOutCertificate(db, connection, { caller: options.caller, keys: options.keys });
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
      credentialMode: "secret",
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
  await auditRead(db, connection, options.caller, secret.id);
  return ok(credentials);
}

type CredentialsConnection = {
  id: string;
  accountId: string;
  authMode: "cloud" | "legacy" | "onprem";
  tenantId: string | null;
  environmentUrl: string | null;
  clientId: string | null;
  secretExpiresAt: Date | null;
};

function auditRead(db: Db, connection: CredentialsConnection, caller: ApiCaller, secretId: string) {
  return recordAuditEvent(db, {
    actor: apiCallerActor(caller),
    action: "connection.credentials.read",
    accountId: connection.accountId,
    connectionId: connection.id,
    outcome: "success",
    detail: { secretId, authMode: connection.authMode, callerKind: caller.kind, callerName: caller.name },
  });
}

/** A certificate connection: which certificate the app holds (public facts only) and the token route to use. */
async function handOutCertificate(
  db: Db,
  connection: CredentialsConnection,
  options: { caller: ApiCaller; keys: EncryptionKey[] },
): Promise<Result<ConnectionCredentials>> {
  const { environmentUrl, tenantId, clientId } = connection;
  if (!environmentUrl || !tenantId || !clientId) return unavailable("complete app registration");
  const secret = await readActiveAppCredential(db, { connectionId: connection.id, mode: "certificate", keys: options.keys });
  if (secret.status === "none") return unavailable("certificate");
  if (secret.status === "unreadable" || !secret.credential.certificate) {
    log.error("api: an active certificate could not be decrypted", { connectionId: connection.id, secretId: secret.id });
    return fail(appError("internal", "The portal cannot read this connection's certificate. Reconnect it from the portal."));
  }
  await auditRead(db, connection, options.caller, secret.id);
  return ok({
    authMode: "cloud",
    credentialMode: "certificate",
    connectionId: connection.id,
    tenantId,
    environmentUrl,
    clientId,
    certificateThumbprint: certificateThumbprints(secret.credential.certificate.certificateDer).sha1Hex,
    certificateExpiresAt: (secret.expiresAt ?? connection.secretExpiresAt)?.toISOString() ?? null,
    accessTokensPath: `/api/v1/connections/${encodeURIComponent(connection.id)}/access-tokens`,
  });
}
