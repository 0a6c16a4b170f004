/**
 * The kept-alive transport against real TLS servers on 127.0.0.1: one served by the sandbox's certificate (trusted
 * through NODE_EXTRA_CA_CERTS, as the portal trusts the sandbox in demos) and one with a self-signed certificate.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDataDir } from "@/emulator/core/tls";
import { keepAliveFetch, keepAliveHttpsRequest } from "./keep-alive-https";

type Served = { server: Server; origin: string; connections: () => number; requests: string[] };

async function serve(tls: { cert: string; key: string }, answer: (path: string, res: ServerResponse) => void): Promise<Served> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer(tls, (req, res) => {
    requests.push(req.url ?? "");
    answer(req.url ?? "", res);
  });
  server.on("secureConnection", () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `https://localhost:${(server.address() as AddressInfo).port}`, connections: () => connections, requests };
}

function selfSigned(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer([{ name: "commonName", value: "localhost" }]);
  cert.setExtensions([{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] }]);
  const key = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}

let trusted: Served;
let untrusted: Served;

beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  const dir = defaultDataDir();
  const sandboxTls = { cert: readFileSync(join(dir, "server.pem"), "utf8"), key: readFileSync(join(dir, "server-key.pem"), "utf8") };
  trusted = await serve(sandboxTls, (path, res) => {
    if (path === "/moved") {
      res.writeHead(307, { location: "/elsewhere" });
      return res.end();
    }
    if (path === "/slow") return void setTimeout(() => res.end("late"), 2_000);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ path }));
  });
  untrusted = await serve(selfSigned(), (_path, res) => res.end("{}"));
});

afterAll(async () => {
  for (const s of [trusted, untrusted]) {
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

describe("keepAliveHttpsRequest", () => {
  it("sends one origin's requests over one kept-alive TLS connection", async () => {
    const before = trusted.connections();
    for (let i = 0; i < 5; i++) {
      const res = await keepAliveFetch(`${trusted.origin}/call-${i}`, { method: "POST", body: "x", headers: { "content-type": "text/plain" } });
      expect(await res.json()).toEqual({ path: `/call-${i}` });
    }
    expect(trusted.connections() - before).toBe(1);
  });

  it("returns a redirect as it is, without following it", async () => {
    const res = await keepAliveFetch(`${trusted.origin}/moved`);
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("/elsewhere");
    expect(trusted.requests).not.toContain("/elsewhere");
  });

  it("refuses a server whose certificate nobody it trusts signed", async () => {
    await expect(keepAliveHttpsRequest({ method: "GET", url: `${untrusted.origin}/` })).rejects.toThrow(/self[- ]signed/i);
    expect(untrusted.requests).toEqual([]);
  });

  it("stops at the caller's signal with the caller's reason, and refuses plain http", async () => {
    const reason = new Error("lease lost");
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(keepAliveHttpsRequest({ method: "GET", url: `${trusted.origin}/slow`, signal: controller.signal })).rejects.toBe(reason);
    await expect(keepAliveHttpsRequest({ method: "GET", url: `http://localhost:1/` })).rejects.toThrow(/http:/);
  });
});
