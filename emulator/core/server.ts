/**
 * The sandbox's one HTTPS origin. Requests go to a service by their first path segment (`/graph`, `/globaldisco`,
 * `/dynamics`, `/__emulator`, everything else is the identity platform at the root, like
 * login.microsoftonline.com), pass base latency and fault injection, and are matched against that service's
 * `Route[]`. The server adds what every Microsoft response carries: request ids, CORS, and the service's own error
 * body for unknown routes and crashes.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createControlRoutes } from "../control/routes";
import { routes as dataverseRoutes } from "../dataverse/routes";
import { routes as discoveryRoutes } from "../discovery/routes";
import { routes as graphRoutes } from "../graph/routes";
import { adfsRoutes } from "../adfs/adfs";
import { resetIdentityRuntime, routes as identityRoutes } from "../identity/routes";
import { buildScenario } from "../scenarios/index";
import { registerActonConnectorCertificate } from "../scenarios/acton-connector";
import { takeFaults } from "./faults";
import { logRequest } from "./request-log";
import { awaitLatency, type EmuRequest, type EmuResponse, type Route, type ServiceName } from "./http";
import { serviceError } from "./service-envelopes";
import type { SandboxState } from "./state";
import { getState, replaceState } from "./store";
import { defaultDataDir, ensureSandboxCertificates, type SandboxCertificatePaths } from "./tls";
import { initSigningKey } from "./tokens";

export type SandboxOptions = {
  /** 0 = a free port (tests). */
  port: number;
  /** Loopback by default; the sandbox holds known passwords, so it should not listen on the network. */
  host?: string;
  dataDir?: string;
  /** A scenario name (default `default`) or a whole state. */
  scenario?: string | SandboxState;
  /** One line per request (method, path without query, status, ms). Off by default. */
  log?: (line: string) => void;
};

export type RunningSandbox = {
  origin: string;
  port: number;
  certificates: SandboxCertificatePaths;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 5 * 1024 * 1024;

function serviceOf(path: string): ServiceName {
  const first = path.split("/")[1] ?? "";
  switch (first) {
    case "graph":
      return "graph";
    case "globaldisco":
      return "discovery";
    case "dynamics":
      return "dataverse";
    case "__emulator":
      return "control";
    default:
      return "identity";
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Headers each Microsoft service puts on every response, added unless the handler set them. */
function serviceHeaders(service: ServiceName, req: EmuRequest, clientRequestId: string | undefined): Record<string, string> {
  switch (service) {
    case "identity":
      return {
        "x-ms-request-id": req.requestId,
        ...(clientRequestId ? { "client-request-id": clientRequestId } : {}),
        "x-ms-ests-server": "2.1.sandbox",
      };
    case "graph":
      return { "request-id": req.requestId, "client-request-id": clientRequestId ?? req.requestId };
    case "dataverse":
    case "discovery":
      return { "x-ms-service-request-id": req.requestId, req_id: req.requestId };
    case "control":
      return { "request-id": req.requestId };
  }
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers":
    "request-id, client-request-id, x-ms-request-id, x-ms-service-request-id, req_id, retry-after, location, odata-entityid, odata-version, www-authenticate",
};

function preflight(req: IncomingMessage): EmuResponse {
  return {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, POST, PATCH, PUT, DELETE, OPTIONS",
      "access-control-allow-headers": header(req, "access-control-request-headers") ?? "*",
      "access-control-max-age": "86400",
    },
  };
}

async function dispatch(routes: Route[], req: EmuRequest, service: ServiceName): Promise<EmuResponse> {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(req.path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== "*" && route.method !== req.method) continue;
    req.params = Object.fromEntries(Object.entries(m.groups ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    if (!route.ownsLatency) await awaitLatency(req);
    return route.handle(req);
  }
  await awaitLatency(req);
  return serviceError(service, pathMatched ? "methodNotAllowed" : "notFound", req);
}

/**
 * Faults first (latency, then the first answering fault); `nextLinkOrigin` faults are returned to apply afterwards.
 * Latency (base + faults) is owed by the request: waited out before a fault's answer, else by dispatch or the route.
 */
async function applyFaults(service: ServiceName, req: EmuRequest): Promise<{ response: EmuResponse | null; nextLinkOrigin: string | null }> {
  if (service === "control") return { response: null, nextLinkOrigin: null };
  req.pendingLatencyMs = getState().settings.baseLatencyMs;
  let nextLinkOrigin: string | null = null;
  for (const fault of takeFaults(service, req.method, req.path)) {
    if (fault.kind === "latency") {
      req.pendingLatencyMs += fault.latencyMs ?? 0;
      continue;
    }
    if (fault.kind === "nextLinkOrigin") {
      nextLinkOrigin = fault.origin ?? null;
      continue;
    }
    await awaitLatency(req);
    if (fault.kind === "redirect") {
      return { response: { status: fault.redirectStatus ?? 307, headers: { location: fault.location ?? "/" }, body: "" }, nextLinkOrigin };
    }
    const retryAfter = fault.retryAfterSeconds ?? (fault.kind === "throttle" ? 1 : undefined);
    return { response: serviceError(service, fault.kind === "throttle" ? "throttle" : "unavailable", req, retryAfter), nextLinkOrigin };
  }
  return { response: null, nextLinkOrigin };
}

/** Moves a collection's `@odata.nextLink` to another origin (the `nextLinkOrigin` fault). */
function rewriteNextLink(out: EmuResponse, origin: string): EmuResponse {
  const body = out.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object" || typeof body["@odata.nextLink"] !== "string") return out;
  const link = new URL(body["@odata.nextLink"]);
  return { ...out, body: { ...body, "@odata.nextLink": new URL(`${link.pathname}${link.search}`, origin).toString() } };
}

function write(res: ServerResponse, out: EmuResponse, extra: Record<string, string>): void {
  const headers: Record<string, string> = { ...extra, ...(out.headers ?? {}) };
  let body = "";
  if (typeof out.body === "string") body = out.body;
  else if (out.body !== undefined) {
    body = JSON.stringify(out.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json; charset=utf-8";
  }
  headers["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(out.status, { ...headers, ...(out.repeatedHeaders ?? {}) });
  res.end(body);
}

/** Starts the sandbox with a fresh scenario. Each call replaces the process-wide state (one sandbox per process). */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const dataDir = options.dataDir ?? defaultDataDir();
  const certificates = ensureSandboxCertificates(dataDir);
  initSigningKey(dataDir);
  registerActonConnectorCertificate(certificates.actonConnector);
  const initial = typeof options.scenario === "object" ? options.scenario : buildScenario(options.scenario ?? "default");
  if (!initial) throw new Error(`unknown scenario '${String(options.scenario)}'`);
  replaceState(initial);
  resetIdentityRuntime();

  const routesByService: Record<ServiceName, Route[]> = {
    identity: [...adfsRoutes, ...identityRoutes],
    graph: graphRoutes,
    discovery: discoveryRoutes,
    dataverse: dataverseRoutes,
    control: createControlRoutes({
      caBundle: certificates.caBundle,
      caSpkiSha256: certificates.caSpkiSha256,
      actonConnectorFile: certificates.actonConnector,
    }),
  };
  let origin = "";

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const rawUrl = req.url ?? "/";
    const path = rawUrl.split("?")[0] || "/";
    const service = serviceOf(path);
    const emuReq: EmuRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      url: new URL(rawUrl, origin),
      path,
      headers: req.headers,
      rawBody: "",
      params: {},
      origin,
      requestId: randomUUID(),
      receivedAt: new Date(),
      connection: req.socket,
    };
    const clientRequestId = header(req, "client-request-id") ?? emuReq.url.searchParams.get("client-request-id") ?? undefined;
    let out: EmuResponse;
    try {
      const body = await readBody(req);
      if (body === null) {
        out = { status: 413, body: { error: { code: "payload_too_large", message: "Request body exceeds 5 MB." } } };
      } else if (emuReq.method === "OPTIONS") {
        out = preflight(req);
      } else {
        emuReq.rawBody = body;
        const faults = await applyFaults(service, emuReq);
        out = faults.response ?? (await dispatch(routesByService[service], emuReq, service));
        if (faults.nextLinkOrigin) out = rewriteNextLink(out, faults.nextLinkOrigin);
      }
    } catch (error) {
      // Log the failure, never the request body: it may hold passwords, secrets or tokens.
      console.error(`[sandbox] ${emuReq.method} ${path} failed:`, error);
      out = serviceError(service, "internal", emuReq);
    }
    if (service !== "control") {
      // Whether credentials were presented (a bearer/basic header, or a secret/assertion in a form), never their value.
      const form = typeof emuReq.rawBody === "string" && /(?:^|&)(?:client_secret|client_assertion|password)=/.test(emuReq.rawBody);
      logRequest({
        at: emuReq.receivedAt.toISOString(),
        service,
        method: emuReq.method,
        path,
        status: out.status,
        authorization: Boolean(req.headers.authorization) || form,
      });
    }
    if (res.destroyed) return;
    write(res, out, { ...CORS_HEADERS, ...serviceHeaders(service, emuReq, clientRequestId) });
    options.log?.(`${emuReq.method} ${path} ${out.status} ${Date.now() - started}ms`);
  };

  const tls = { key: readFileSync(certificates.serverKey), cert: readFileSync(certificates.serverCert) };
  const servers: Server[] = [];
  const listen = (server: Server, port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host, backlog: 1024 }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  const primary = createServer(tls, handler);
  primary.keepAliveTimeout = 5_000;
  await listen(primary, options.port, options.host ?? "127.0.0.1");
  servers.push(primary);
  const port = (primary.address() as AddressInfo).port;
  origin = `https://localhost:${port}`;
  if (!options.host) {
    // `localhost` may resolve to ::1 first (browsers, Node's happy eyeballs): answer there too when IPv6 exists.
    const v6 = createServer(tls, handler);
    try {
      await listen(v6, port, "::1");
      servers.push(v6);
    } catch {
      v6.close();
    }
  }

  return {
    origin,
    port,
    certificates,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
