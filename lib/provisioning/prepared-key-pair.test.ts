import { describe, expect, it } from "vitest";
import type { CertificateKeyPair } from "../microsoft/certificate-credential";
import type { RunRecord } from "../domain/run/run-store";
import { runOptionsSchema } from "../domain/run/run-options";
import type { ConnectionFacts } from "./steps/step-context";
import { needsCertificateKey, PreparedKeyPair } from "./prepared-key-pair";

describe("PreparedKeyPair", () => {
  it("makes one key pair ahead, hands it out once, and then has none", async () => {
    let made = 0;
    const pair = { id: 0 } as unknown as CertificateKeyPair;
    const keys = new PreparedKeyPair(async () => {
      made += 1;
      return pair;
    });
    expect(keys.take()).toBeNull();
    keys.prepare();
    keys.prepare();
    expect(made).toBe(1);
    await expect(keys.take()).resolves.toBe(pair);
    expect(keys.take()).toBeNull();
  });

  it("leaves a failed preparation to the one who takes it", async () => {
    const keys = new PreparedKeyPair(() => Promise.reject(new Error("no entropy")));
    keys.prepare();
    await new Promise((r) => setTimeout(r, 0)); // an unhandled rejection would surface here
    await expect(keys.take()).rejects.toThrow("no entropy");
  });
});

describe("needsCertificateKey", () => {
  const connection = { credentialMode: null } as ConnectionFacts;
  const run = (status: string, kind = "connect") => ({ kind, steps: [{ name: "clientSecret", status }] }) as unknown as RunRecord;
  const options = (over: Record<string, unknown> = {}) => runOptionsSchema.parse({ mode: "cloud", requestedBy: "a@b.c", ...over });

  it("is true while a certificate-mode run's credential step is to come", () => {
    expect(needsCertificateKey({ run: run("pending"), options: options(), connection })).toBe(true);
    expect(needsCertificateKey({ run: run("waiting"), options: options({ credential: "certificate" }), connection })).toBe(true);
  });

  it("is false once the step is done, for a client secret, and for a repair that keeps the live credential", () => {
    expect(needsCertificateKey({ run: run("succeeded"), options: options(), connection })).toBe(false);
    expect(needsCertificateKey({ run: run("pending"), options: options({ credential: "secret" }), connection })).toBe(false);
    expect(needsCertificateKey({ run: run("pending"), options: options({ secret: "keep" }), connection })).toBe(false);
    expect(needsCertificateKey({ run: { kind: "connect", steps: [] } as unknown as RunRecord, options: options(), connection })).toBe(false);
  });
});
