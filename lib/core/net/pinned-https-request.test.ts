/**
 * The pinned transport against real TLS servers on 127.0.0.1, with certificates made for each case: signed by the
 * sandbox CA (which this process trusts through NODE_EXTRA_CA_CERTS, as the portal does in demos), expired,
 * self-signed, for another name, and without their intermediate. Host names are `*.contoso.test`, which no DNS
 * resolves: a request that succeeds proves it went to the pinned address.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDataDir } from "@/emulator/core/tls";
import { microsoftFetch } from "@/lib/microsoft/http";
import { isMicrosoftError } from "@/lib/microsoft/errors";
import { createPinnedFetch, isExplainedNetworkError, pinnedHttpsRequest } from "./pinned-https-request";
import type { PinnedTarget } from "./public-address-guard";

type Issued = { certPem: string; keyPem: string; forgeCert: forge.pki.Certificate; forgeKey: forge.pki.rsa.PrivateKey };

function issue(options: { names: string[]; issuer?: Issued; notAfter?: Date; isCa?: boolean }): Issued {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40; // positive, and no leading zero byte for forge to mis-strip
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 2 * 86_400_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 30 * 86_400_000);
  cert.setSubject([{ name: "commonName", value: options.names[0] }]);
  cert.setIssuer(options.issuer ? options.issuer.forgeCert.subject.attributes : [{ name: "commonName", value: options.names[0] }]);
  cert.setExtensions(
    options.isCa
      ? [
          { name: "basicConstraints", cA: true, critical: true },
          { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        ]
      : [
          { name: "basicConstraints", cA: false },
          { name: "extKeyUsage", serverAuth: true },
          { name: "subjectAltName", altNames: options.names.map((value) => ({ type: 2, value })) },
        ],
  );
  cert.sign(options.issuer?.forgeKey ?? forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, forgeCert: cert, forgeKey };
}

type Seen = { method: string; url: string; authorization: string | undefined };

async function serve(cert: { certPem: string; keyPem: string; chain?: string }, answer: (res: import("node:http").ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createHttpsServer({ cert: cert.certPem + (cert.chain ?? ""), key: cert.keyPem }, (req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen, port: (server.address() as AddressInfo).port };
}

const json = (res: import("node:http").ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json", "x-ms-service-request-id": "req-1" });
  res.end(JSON.stringify({ UserId: "u1" }));
};

const target = (hostname: string, port: number): PinnedTarget => ({
  url: `https://${hostname}:${port}/org`,
  hostname,
  port,
  address: "127.0.0.1",
  family: 4,
});

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!isExplainedNetworkError(error)) throw error;
    return error.appError;
  }
  throw new Error("expected a failure");
}

const servers: Server[] = [];
let sandboxCa: Issued;
let good: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  const dir = defaultDataDir();
  const caCertPem = readFileSync(join(dir, "ca.pem"), "utf8");
  const caKeyPem = readFileSync(join(dir, "ca-key.pem"), "utf8");
  sandboxCa = {
    certPem: caCertPem,
    keyPem: caKeyPem,
    forgeCert: forge.pki.certificateFromPem(caCertPem),
    forgeKey: forge.pki.privateKeyFromPem(caKeyPem) as forge.pki.rsa.PrivateKey,
  };
  good = await serve(issue({ names: ["crm.contoso.test"], issuer: sandboxCa }), json);
  servers.push(good.server);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe("pinnedHttpsRequest", () => {
  it("connects to the pinned address for a name DNS does not know, with the certificate checked against that name", async () => {
    const res = await pinnedHttpsRequest(target("crm.contoso.test", good.port), {
      method: "GET",
      url: `https://crm.contoso.test:${good.port}/org/api/data/v9.1/WhoAmI`,
      headers: { authorization: "Basic abc" },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ UserId: "u1" });
    expect(good.seen.at(-1)).toMatchObject({ method: "GET", url: "/org/api/data/v9.1/WhoAmI", authorization: "Basic abc" });
  });

  it("refuses a URL on another host or port before connecting", async () => {
    const before = good.seen.length;
    const error = await failureOf(
      pinnedHttpsRequest(target("crm.contoso.test", good.port), {
        method: "GET",
        url: `https://evil.contoso.test:${good.port}/`,
        headers: { authorization: "Basic abc" },
      }),
    );
    expect(error.code).toBe("environment_not_allowed");
    const otherPort = await failureOf(
      pinnedHttpsRequest(target("crm.contoso.test", good.port), { method: "GET", url: `https://crm.contoso.test:1/` }),
    );
    expect(otherPort.code).toBe("environment_not_allowed");
    expect(good.seen.length).toBe(before);
  });

  it("explains a certificate issued for another name", async () => {
    const error = await failureOf(
      pinnedHttpsRequest(target("other.contoso.test", good.port), { method: "GET", url: `https://other.contoso.test:${good.port}/` }),
    );
    expect(error.detail).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(error.userMessage).toContain("was issued for a different name");
    expect(error.retryable).toBe(false);
  });

  it("explains an expired certificate, and sends no credentials", async () => {
    const expired = await serve(issue({ names: ["old.contoso.test"], issuer: sandboxCa, notAfter: new Date(Date.now() - 86_400_000) }), json);
    servers.push(expired.server);
    const error = await failureOf(
      pinnedHttpsRequest(target("old.contoso.test", expired.port), {
        method: "GET",
        url: `https://old.contoso.test:${expired.port}/`,
        headers: { authorization: "Basic abc" },
      }),
    );
    expect(error.detail).toContain("CERT_HAS_EXPIRED");
    expect(error.userMessage).toContain("has expired");
    expect(expired.seen).toEqual([]);
  });

  it("explains a self-signed certificate", async () => {
    const selfSigned = await serve(issue({ names: ["self.contoso.test"] }), json);
    servers.push(selfSigned.server);
    const error = await failureOf(
      pinnedHttpsRequest(target("self.contoso.test", selfSigned.port), { method: "GET", url: `https://self.contoso.test:${selfSigned.port}/` }),
    );
    expect(error.detail).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(error.userMessage).toContain("public certificate authority");
    expect(selfSigned.seen).toEqual([]);
  });

  it("explains a certificate sent without its intermediate", async () => {
    const intermediate = issue({ names: ["Contoso Issuing CA"], issuer: sandboxCa, isCa: true });
    const leaf = issue({ names: ["chain.contoso.test"], issuer: intermediate });
    const incomplete = await serve(leaf, json);
    servers.push(incomplete.server);
    const error = await failureOf(
      pinnedHttpsRequest(target("chain.contoso.test", incomplete.port), { method: "GET", url: `https://chain.contoso.test:${incomplete.port}/` }),
    );
    expect(error.detail).toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(error.userMessage).toContain("intermediate certificates");
    // The same leaf with its chain is fine.
    const complete = await serve({ ...leaf, chain: intermediate.certPem }, json);
    servers.push(complete.server);
    const ok = await pinnedHttpsRequest(target("chain.contoso.test", complete.port), {
      method: "GET",
      url: `https://chain.contoso.test:${complete.port}/`,
    });
    expect(ok.status).toBe(200);
  });

  it("explains a refused connection", async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const error = await failureOf(
      pinnedHttpsRequest(target("crm.contoso.test", closedPort), { method: "GET", url: `https://crm.contoso.test:${closedPort}/` }),
    );
    expect(error.detail).toContain("ECONNREFUSED");
    expect(error.userMessage).toContain(`refused the connection on port ${closedPort}`);
  });

  it("explains a port that answers without TLS", async () => {
    const plain = createTcpServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n")));
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    const port = (plain.address() as AddressInfo).port;
    try {
      const error = await failureOf(
        pinnedHttpsRequest(target("crm.contoso.test", port), { method: "GET", url: `https://crm.contoso.test:${port}/` }),
      );
      expect(error.detail).toMatch(/ERR_SSL_WRONG_VERSION_NUMBER|EPROTO|ECONNRESET/);
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });

  it("does not follow a redirect, and says where it pointed", async () => {
    const redirecting = await serve(issue({ names: ["redirect.contoso.test"], issuer: sandboxCa }), (res) => {
      res.writeHead(302, { location: "https://adfs.contoso.test/adfs/ls/?wa=wsignin1.0" });
      res.end();
    });
    servers.push(redirecting.server);
    const error = await failureOf(
      pinnedHttpsRequest(target("redirect.contoso.test", redirecting.port), {
        method: "GET",
        url: `https://redirect.contoso.test:${redirecting.port}/org`,
        headers: { authorization: "Basic abc" },
      }),
    );
    expect(error.userMessage).toContain("redirects to https://adfs.contoso.test");
    expect(error.userMessage).toContain("does not follow redirects with credentials");
    expect(redirecting.seen).toHaveLength(1);
  });

  it("stops when the caller's signal aborts (a server that never answers)", async () => {
    const silent = await serve(issue({ names: ["slow.contoso.test"], issuer: sandboxCa }), () => {});
    servers.push(silent.server);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("timed out")), 300);
    await expect(
      pinnedHttpsRequest(target("slow.contoso.test", silent.port), {
        method: "GET",
        url: `https://slow.contoso.test:${silent.port}/`,
        signal: controller.signal,
      }),
    ).rejects.toThrow("timed out");
  });
});

describe("createPinnedFetch through microsoftFetch", () => {
  it("carries a Web API call to the pinned address", async () => {
    const res = await microsoftFetch<{ UserId: string }>({
      service: "dataverse",
      method: "GET",
      url: `https://crm.contoso.test:${good.port}/org/api/data/v9.1/WhoAmI`,
      token: "a-bearer-token",
      replay: "safe",
      fetchImpl: createPinnedFetch(target("crm.contoso.test", good.port)),
    });
    expect(res.data).toEqual({ UserId: "u1" });
    expect(res.requestIds).toContain("req-1");
  });

  it("reports a certificate problem at once, in words, without retrying", async () => {
    const calls: number[] = [];
    const error = await microsoftFetch({
      service: "dataverse",
      method: "GET",
      url: `https://other.contoso.test:${good.port}/org/api/data/v9.1/WhoAmI`,
      replay: "safe",
      fetchImpl: createPinnedFetch(target("other.contoso.test", good.port)),
      recorder: { onCall: (c) => void calls.push(c.attempt) },
      policy: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, totalBudgetMs: 5_000 },
    }).catch((e: unknown) => e);
    expect(isMicrosoftError(error)).toBe(true);
    if (!isMicrosoftError(error)) return;
    expect(error.appError.userMessage).toContain("was issued for a different name");
    expect(calls).toEqual([1]);
  });
});
