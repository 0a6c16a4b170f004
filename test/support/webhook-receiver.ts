/**
 * A webhook receiver for tests and the bench: HTTPS on 127.0.0.1 with the sandbox's `localhost` certificate (trusted
 * through NODE_EXTRA_CA_CERTS), verifying each request with the `standardwebhooks` package as a real receiver would.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type ReceivedWebhook = {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  verified: boolean;
  answeredWith: number;
  receivedAt: number;
};

export type WebhookReceiver = {
  url: string;
  host: string;
  received: ReceivedWebhook[];
  /** Requests accepted (2xx and verified), in arrival order. */
  accepted: () => ReceivedWebhook[];
  /** The secrets a receiver would hold; a request verifies if any of them verifies it. */
  setSecrets: (secrets: string[]) => void;
  /** The next `n` requests are answered with `status` (before verification). */
  failNext: (n: number, status?: number) => void;
  onAccepted?: (hook: ReceivedWebhook) => void;
  close: () => Promise<void>;
};

/** The sandbox's `localhost` certificate and key (loaded lazily: Playwright's loader cannot compile the sandbox's TLS module). */
async function sandboxTls(): Promise<{ cert: Buffer; key: Buffer }> {
  const { ensureSandboxCertificates } = await import("@/emulator/core/tls");
  const certs = ensureSandboxCertificates();
  return { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) };
}

export async function startWebhookReceiver(
  options: { secrets?: string[]; path?: string; port?: number; tls?: { cert: Buffer; key: Buffer } } = {},
): Promise<WebhookReceiver> {
  const tls = options.tls ?? (await sandboxTls());
  let secrets = options.secrets ?? [];
  let failures = 0;
  let failStatus = 500;
  const received: ReceivedWebhook[] = [];
  const receiver = {} as WebhookReceiver;
  const server: Server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      };
      let status: number;
      let verified = false;
      if (failures > 0) {
        failures--;
        status = failStatus;
      } else {
        verified = secrets.some((secret) => {
          try {
            new Webhook(secret).verify(body, headers);
            return true;
          } catch {
            return false;
          }
        });
        status = verified ? 204 : 401;
      }
      const hook = {
        id: headers["webhook-id"],
        timestamp: Number(headers["webhook-timestamp"]),
        signature: headers["webhook-signature"],
        body,
        verified,
        answeredWith: status,
        receivedAt: Date.now(),
      };
      received.push(hook);
      if (status === 204) receiver.onAccepted?.(hook);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(receiver, {
    url: `https://localhost:${port}${options.path ?? "/hooks/acton"}`,
    host: `localhost:${port}`,
    received,
    accepted: () => received.filter((r) => r.answeredWith === 204),
    setSecrets: (s: string[]) => void (secrets = s),
    failNext: (n: number, status = 500) => {
      failures = n;
      failStatus = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return receiver;
}
