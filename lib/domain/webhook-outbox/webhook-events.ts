/**
 * The events the portal publishes, as Standard Webhooks payloads (`{ type, timestamp, data }`). Pure: codes and ids
 * only, never a secret, so the same builder serves the outbox, the test-send and the docs.
 */
export const WEBHOOK_EVENT_TYPES = [
  "connection.status_changed",
  "connection.step_failed",
  "connection.health_changed",
  "connection.credential_expiring",
  "connection.credential_rotated",
  "connection.credential_rotation_failed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What each event means, in the words the support console shows beside it. */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "connection.status_changed": "A connection's status changes",
  "connection.step_failed": "A setup step fails",
  "connection.health_changed": "A connection's health (healthy, degraded, failing) or its cause changes",
  "connection.credential_expiring": "A connection's client secret expires in 30, 14, 7 or 1 days (reconnecting replaces it)",
  "connection.credential_rotated": "The portal replaced a connection's certificate with a new one (nothing to do)",
  "connection.credential_rotation_failed": "Replacing a connection's certificate failed; the portal retries until it expires",
};

/** What the webhook outbox needs of a connection change (engine-core's ConnectionChange has these fields). */
export type WebhookChange = {
  connectionId: string;
  runId: string | null;
  statusBefore: string;
  statusAfter: string;
  /** The step that failed or waits for a person, and its error code; null when nothing is failing. */
  failingStep: string | null;
  errorCode: string | null;
  at: Date;
};

export type WebhookPayload = { type: WebhookEventType | "webhook.test"; timestamp: string; data: Record<string, unknown> };

/** The events a change produces: a status change, a step failure, or both (in that order). */
export function buildWebhookPayloads(change: WebhookChange, connection: { actonAccountId: string; authMode: string }): WebhookPayload[] {
  const timestamp = change.at.toISOString();
  const base = { connectionId: change.connectionId, accountId: connection.actonAccountId, authMode: connection.authMode, runId: change.runId };
  const failing = change.failingStep ? { step: change.failingStep, code: change.errorCode } : null;
  const payloads: WebhookPayload[] = [];
  if (change.statusBefore !== change.statusAfter) {
    payloads.push({
      type: "connection.status_changed",
      timestamp,
      data: { ...base, status: change.statusAfter, previousStatus: change.statusBefore, failing },
    });
  }
  if (change.failingStep && change.errorCode) {
    payloads.push({
      type: "connection.step_failed",
      timestamp,
      data: { ...base, status: change.statusAfter, step: change.failingStep, code: change.errorCode },
    });
  }
  return payloads;
}

/** A health probe moved a connection's health state or cause (lib/domain/connection/health.ts). */
export type HealthChange = {
  connectionId: string;
  state: string;
  cause: string | null;
  since: Date;
  previousState: string | null;
  previousCause: string | null;
  at: Date;
};

export function buildHealthChangedPayload(change: HealthChange, connection: { actonAccountId: string; authMode: string }): WebhookPayload {
  return {
    type: "connection.health_changed",
    timestamp: change.at.toISOString(),
    data: {
      connectionId: change.connectionId,
      accountId: connection.actonAccountId,
      authMode: connection.authMode,
      health: { state: change.state, cause: change.cause, since: change.since.toISOString(), checkedAt: change.at.toISOString() },
      previous: change.previousState ? { state: change.previousState, cause: change.previousCause } : null,
    },
  };
}

/** A connection's client secret expires soon (lib/domain/secret/publish-credential-reminders.ts). */
export type CredentialExpiry = { connectionId: string; keyId: string | null; expiresAt: Date; daysLeft: number; at: Date };

export function buildCredentialExpiringPayload(expiry: CredentialExpiry, connection: { actonAccountId: string; authMode: string }): WebhookPayload {
  return {
    type: "connection.credential_expiring",
    timestamp: expiry.at.toISOString(),
    data: {
      connectionId: expiry.connectionId,
      accountId: connection.actonAccountId,
      authMode: connection.authMode,
      credential: { kind: "clientSecret", keyId: expiry.keyId, expiresAt: expiry.expiresAt.toISOString() },
      daysLeft: expiry.daysLeft,
      // What renews it: the customer's admin reconnects (a `reconnect` deep link from POST /api/v1/deep-links).
      renewal: "reconnect",
    },
  };
}

/** A certificate rotation switched the connection to its new certificate (lib/domain/secret/rotation/). */
export type CredentialRotated = { connectionId: string; keyId: string | null; expiresAt: Date; previousKeyId: string | null; at: Date };

export function buildCredentialRotatedPayload(rotated: CredentialRotated, connection: { actonAccountId: string; authMode: string }): WebhookPayload {
  return {
    type: "connection.credential_rotated",
    timestamp: rotated.at.toISOString(),
    data: {
      connectionId: rotated.connectionId,
      accountId: connection.actonAccountId,
      authMode: connection.authMode,
      credential: { kind: "certificate", keyId: rotated.keyId, expiresAt: rotated.expiresAt.toISOString() },
      previousKeyId: rotated.previousKeyId,
    },
  };
}

/** A certificate rotation failed; the connection still signs in with its current certificate until `expiresAt`. */
export type CredentialRotationFailure = { connectionId: string; code: string; expiresAt: Date | null; nextAttemptAt: Date; at: Date };

export function buildCredentialRotationFailedPayload(
  failure: CredentialRotationFailure,
  connection: { actonAccountId: string; authMode: string },
): WebhookPayload {
  return {
    type: "connection.credential_rotation_failed",
    timestamp: failure.at.toISOString(),
    data: {
      connectionId: failure.connectionId,
      accountId: connection.actonAccountId,
      authMode: connection.authMode,
      code: failure.code,
      credential: { kind: "certificate", expiresAt: failure.expiresAt?.toISOString() ?? null },
      nextAttemptAt: failure.nextAttemptAt.toISOString(),
    },
  };
}

export function testPayload(now: Date): WebhookPayload {
  return { type: "webhook.test", timestamp: now.toISOString(), data: { message: "A test event from the Act-On Dynamics onboarding portal." } };
}
