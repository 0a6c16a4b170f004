import { WebhookEndpoints } from "./webhook-endpoints";

export default function SupportWebhooksPage() {
  return <WebhookEndpoints />;
}
