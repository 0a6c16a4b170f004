/** What a raw OAuth client does by hand, for the identity contract tests that look beneath MSAL. */
import { request, type Agent } from "node:https";

/** Decodes a JWT's payload without verifying it (tests check claims; signatures are checked separately). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Posts a form to the sandbox's token endpoint and returns status + JSON, as a raw OAuth client would. */
export async function postToken(origin: string, tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${origin}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/**
 * `postToken` through a client's connection pool (`agent`): many requests in flight over the pool's connections, as an
 * HTTP client library sends them, rather than a TLS handshake per request all at once.
 */
export function postTokenPooled(agent: Agent, origin: string, tenant: string, form: Record<string, string>) {
  const body = new URLSearchParams(form).toString();
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${origin}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      agent,
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
