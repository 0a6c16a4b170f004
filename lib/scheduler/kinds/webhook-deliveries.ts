import "server-only";
import { releaseDeliveryClaims, type DeliveryHead } from "../../domain/webhook-outbox/claim-deliveries";
import { claimDueDeliveries, sendClaimedDelivery, type SigningSecretsCache, type WebhookDelivererConfig } from "../../webhooks/deliver-webhooks";
import type { JobKind } from "../scheduler";

type ClaimedDelivery = DeliveryHead & { secrets: SigningSecretsCache };

/**
 * Webhook deliveries as a job kind: the due head of each endpoint and connection (so a connection's events reach an
 * endpoint in order, one at a time), claimed with a lease on the database's clock (SKIP LOCKED on PostgreSQL), sent
 * signed, the outcome recorded (deliver-webhooks.ts). Signing secrets are read once per claim.
 */
export function webhookDeliveriesKind(
  config: WebhookDelivererConfig,
  options: { reserved: number; max: number; pollEveryMs: number },
): JobKind<ClaimedDelivery> {
  return {
    name: "webhooks",
    ...options,
    claim: async (limit) => {
      const secrets: SigningSecretsCache = new Map();
      return (await claimDueDeliveries(config, limit)).map((head) => ({ ...head, secrets }));
    },
    run: async (delivery) => {
      await sendClaimedDelivery(config, delivery, delivery.secrets);
    },
    release: async (deliveries) => {
      await releaseDeliveryClaims(config.db, { owner: config.owner, ids: deliveries.map((d) => d.id) });
    },
  };
}
