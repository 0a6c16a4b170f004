import "server-only";
import { Webhook } from "standardwebhooks";
import { guardPublicAddress } from "../core/net/public-address-guard";
import { isExplainedNetworkError, pinnedHttpsRequest } from "../core/net/pinned-https-request";

export type WebhookSendResult = { ok: boolean; statusCode: number | null; error: string | null; durationMs: number };

/**
 * The Standard Webhooks headers for one message: `webhook-id` (stable across retries, for deduplication),
 * `webhook-timestamp` (seconds) and `webhook-signature`, one `v1,<base64 HMAC-SHA256>` per secret, space-separated
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme).
 */
function signWebhook(options: { messageId: string; body: string; secrets: string[]; now: Date }): Record<string, string> {
  const signatures = options.secrets.map((secret) => new Webhook(secret).sign(options.messageId, options.now, options.body));
  return {
    "webhook-id": options.messageId,
    "webhook-timestamp": String(Math.floor(options.now.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

/**
 * POSTs one signed message to an endpoint: the URL is checked again at send time (HTTPS, every address public unless
 * allowed), the request pinned to the checked address, redirects never followed. Any 2xx is success.
 */
export async function sendWebhook(options: {
  url: string;
  messageId: string;
  body: string;
  secrets: string[];
  now: Date;
  timeoutMs: number;
  allowedPrivateHosts: readonly string[];
}): Promise<WebhookSendResult> {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null): WebhookSendResult => ({
    ok: statusCode !== null && statusCode >= 200 && statusCode < 300,
    statusCode,
    error,
    durationMs: Date.now() - started,
  });
  if (options.secrets.length === 0) return done(null, "The endpoint has no signing secret that can be read (check PORTAL_ENCRYPTION_KEYS).");
  const target = await guardPublicAddress(options.url, { allowedPrivateHosts: options.allowedPrivateHosts, what: "webhook receiver" });
  if (!target.ok) return done(null, target.error.userMessage);
  try {
    const response = await pinnedHttpsRequest(target.value, {
      method: "POST",
      url: target.value.url,
      headers: {
        "content-type": "application/json",
        "user-agent": "ActOn-Dynamics-Portal-Webhooks/1",
        ...signWebhook({ messageId: options.messageId, body: options.body, secrets: options.secrets, now: options.now }),
      },
      body: options.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    return done(response.status, response.status >= 200 && response.status < 300 ? null : `The receiver answered ${response.status}.`);
  } catch (error) {
    if (isExplainedNetworkError(error)) return done(null, error.appError.userMessage);
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      return done(null, `No answer within ${options.timeoutMs} ms.`);
    return done(null, "The request could not be sent.");
  }
}
