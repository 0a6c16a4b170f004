import "server-only";
import { Agent, request as httpsRequest } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { asFetch, type PinnedRequest, type PinnedResponse } from "./pinned-https-request";

/**
 * HTTPS to Microsoft's public endpoints over kept-alive connections: one agent per origin, all sharing one TLS
 * context. The platform fetch built a TLS context for every new connection, and a hundred onboardings at once open
 * connections by the hundred (a profile at 100 concurrent: TLS set-up and undici together about a tenth of the busy
 * CPU). Only for fixed, configured hosts (login, Graph, Discovery, the allowed Dynamics hosts): a customer-supplied
 * server goes through `pinnedHttpsRequest`, which pools nothing so a connection made under an earlier DNS answer can
 * never carry its credentials. Redirects are never followed (`https.request` has no such notion): a 3xx comes back.
 */

/**
 * Below the idle timeouts servers announce (Node's default `Keep-Alive: timeout=5`, as the sandbox sends; Microsoft's
 * front ends keep idle connections longer), so the client always closes an idle connection first.
 */
const IDLE_SOCKET_MS = 4_000;

let sharedContext: SecureContext | undefined;
const agents = new Map<string, Agent>();

function agentFor(origin: string): Agent {
  let agent = agents.get(origin);
  if (!agent) {
    // The default trust store (Node's roots plus NODE_EXTRA_CA_CERTS), built once; the host name is still checked
    // against each server's certificate on every connection.
    sharedContext ??= createSecureContext({ minVersion: "TLSv1.2" });
    // An idle socket is closed after IDLE_SOCKET_MS, before a server's own idle timeout can close it under a request
    // being sent (a reset the caller sees as a network failure; writes are not replayed). LIFO: the most recently
    // used socket is the one least likely to be near that limit.
    agent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: IDLE_SOCKET_MS, secureContext: sharedContext, minVersion: "TLSv1.2" });
    agents.set(origin, agent);
  }
  return agent;
}

/** Sends one HTTPS request on a kept-alive connection to the URL's origin. @throws the network error, or the signal's reason */
export function keepAliveHttpsRequest(req: PinnedRequest): Promise<PinnedResponse> {
  const url = new URL(req.url);
  if (url.protocol !== "https:") return Promise.reject(new Error(`refusing to send a request over ${url.protocol}`));
  return new Promise<PinnedResponse>((resolve, reject) => {
    if (req.signal?.aborted) return reject(req.signal.reason);
    const request = httpsRequest(url, { method: req.method, headers: req.headers, agent: agentFor(url.origin), rejectUnauthorized: true });
    const onAbort = () => request.destroy(req.signal?.reason instanceof Error ? req.signal.reason : new Error("aborted"));
    req.signal?.addEventListener("abort", onAbort, { once: true });
    const settle = () => req.signal?.removeEventListener("abort", onAbort);
    request.on("error", (error) => {
      settle();
      reject(req.signal?.aborted ? req.signal.reason : error);
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => {
        settle();
        reject(error);
      });
      response.on("end", () => {
        settle();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
    });
    request.end(req.body);
  });
}

/** `keepAliveHttpsRequest` in the shape of `fetch`: the default transport of every Microsoft call. */
export const keepAliveFetch: typeof fetch = asFetch(keepAliveHttpsRequest);
