/**
 * The Connection resource of /api/v1, mapped from what the connection owner shows outside (ConnectionRecord): the
 * API's wire shape lives here, so the owner never depends on the API. Pure.
 */
import type { ConnectionRecord } from "../../connections/connection-resource";
import type { ConnectionResource } from "./schemas";
import { credentialRotatesAt } from "../../domain/secret/credential-mode";

export function toConnectionResource(record: ConnectionRecord): ConnectionResource {
  return {
    id: record.id,
    account: { id: record.account.actonAccountId, name: record.account.name },
    status: record.status,
    authMode: record.authMode,
    environment: { url: record.environmentUrl, name: record.environmentName, id: record.environmentId },
    tenant: { id: record.tenantId, domain: record.tenantDomain },
    clientId: record.clientId,
    securityRole: record.securityRole,
    integrationUsername: record.integrationUsername,
    lastVerifiedAt: record.lastVerifiedAt?.toISOString() ?? null,
    secretExpiresAt: record.secretExpiresAt?.toISOString() ?? null,
    credential:
      record.authMode === "cloud" && record.credentialMode
        ? {
            mode: record.credentialMode,
            expiresAt: record.secretExpiresAt?.toISOString() ?? null,
            rotatesAt: credentialRotatesAt(record.credentialMode, record.secretExpiresAt)?.toISOString() ?? null,
          }
        : null,
    failing: record.failing,
    health:
      record.healthState && record.healthSince && record.healthCheckedAt
        ? {
            state: record.healthState,
            cause: record.healthCause,
            since: record.healthSince.toISOString(),
            checkedAt: record.healthCheckedAt.toISOString(),
          }
        : null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
