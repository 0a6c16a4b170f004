/**
 * Test support for the Graph, Discovery and Dataverse contract tests: a sandbox on an ephemeral port with the default
 * scenario, and tokens shaped like Entra's (v1 access tokens) for callers the tests need.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { EmuRequest, Route } from "../core/http";
import { ensureSandboxCertificates } from "../core/tls";
import { getState, newGuid, replaceState } from "../core/store";
import { signJwt } from "../core/tokens";
import { buildDefaultScenario } from "../scenarios/default";
import { routes as dataverseRoutes } from "../dataverse/routes";
import { routes as discoveryRoutes } from "../discovery/routes";
import { routes as graphRoutes } from "./routes";

export type TestSandbox = { origin: string; close: () => Promise<void> };

const ROUTES: Route[] = [...graphRoutes, ...discoveryRoutes, ...dataverseRoutes];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Serves only this folder's routes; the core server's `startSandbox` replaces it once available. */
export async function startTestSandbox(): Promise<TestSandbox> {
  replaceState(buildDefaultScenario());
  let origin = "";
  const certs = ensureSandboxCertificates();
  const tls = { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) };
  const server: Server = createServer(tls, async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    const rawBody = await readBody(req);
    const path = (req.url ?? "/").split("?")[0];
    for (const route of ROUTES) {
      if (route.method !== "*" && route.method !== req.method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const emuReq: EmuRequest = {
        method: req.method ?? "GET",
        url,
        path,
        headers: req.headers,
        rawBody,
        params: Object.fromEntries(Object.entries(m.groups ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>,
        origin,
        requestId: newGuid(),
        receivedAt: new Date(),
      };
      const out = await route.handle(emuReq);
      const headers = { ...(out.headers ?? {}) };
      let body = "";
      if (typeof out.body === "string") body = out.body;
      else if (out.body !== undefined) {
        body = JSON.stringify(out.body);
        headers["content-type"] ??= "application/json; charset=utf-8";
      }
      res.writeHead(out.status, headers);
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function resetScenario(): void {
  replaceState(buildDefaultScenario());
}

export { getState };

type TokenOptions = {
  tid: string;
  aud: string;
  /** Delegated token for this user (`scp`), else app-only (`roles`). */
  oid: string;
  appid?: string;
  scp?: string;
  roles?: string[];
  wids?: string[];
};

/** A v1 access token as Entra issues them for Graph and Dataverse (iss sts.windows.net, appid, ver 1.0). */
export async function mintAccessToken(o: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({
    aud: o.aud,
    iss: `https://sts.windows.net/${o.tid}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    tid: o.tid,
    oid: o.oid,
    sub: o.oid,
    appid: o.appid ?? "31000000-0000-4000-8000-000000000001",
    appidacr: o.scp ? "0" : "1",
    ver: "1.0",
    uti: newGuid(),
    ...(o.scp !== undefined ? { scp: o.scp, idtyp: "user" } : { idtyp: "app" }),
    ...(o.roles ? { roles: o.roles } : {}),
    ...(o.wids ? { wids: o.wids } : {}),
  });
}
