/**
 * The events the portal publishes, as Standard Webhooks payloads (`{ type, timestamp, data }`). Pure: codes and ids
 * only, never a secret, so the same builder serves the outbox, the test-send and the docs.
 */
export const WEBHOOK_EVENT_TYPES = ["connection.status_changed", "connection.step_failed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What each event means, in the words the support console shows beside it. */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "connection.status_changed": "A connection's status changes",
  "connection.step_failed": "A setup step fails",
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

export function testPayload(now: Date): WebhookPayload {
  return { type: "webhook.test", timestamp: now.toISOString(), data: { message: "A test event from the Act-On Dynamics onboarding portal." } };
}
