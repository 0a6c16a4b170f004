import { describe, expect, it } from "vitest";
import type { CertificateKeyPair } from "../microsoft/certificate-credential";
import type { RunRecord } from "../domain/run/run-store";
import { runOptionsSchema } from "../domain/run/run-options";
import type { ConnectionFacts } from "./steps/step-context";
import { KeyPairReserve, needsCertificateKey, PreparedKeyPair } from "./prepared-key-pair";

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

describe("KeyPairReserve", () => {
  const counting = () => {
    const made: CertificateKeyPair[] = [];
    const generate = async () => {
      const pair = { id: made.length } as unknown as CertificateKeyPair;
      made.push(pair);
      return pair;
    };
    return { made, generate };
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it("fills to its capacity one key at a time, hands each out once, and refills behind what is taken", async () => {
    const { made, generate } = counting();
    const reserve = new KeyPairReserve(2, generate);
    reserve.fill();
    reserve.fill();
    expect(made).toHaveLength(1); // one at a time
    await settle();
    await settle();
    expect(made).toHaveLength(2);
    const first = await reserve.take();
    const second = await reserve.take();
    expect(first).not.toBe(second);
    expect([first, second]).toEqual(made.slice(0, 2));
    await settle();
    await settle();
    expect(made.length).toBeGreaterThanOrEqual(3); // refilling behind the takes, never beyond the capacity
    expect(made.length).toBeLessThanOrEqual(4);
  });

  it("makes a key on the spot when empty, and leaves a failed fill to whoever needs a key", async () => {
    let fail = true;
    const { made, generate } = counting();
    const reserve = new KeyPairReserve(1, () => (fail ? Promise.reject(new Error("no entropy")) : generate()));
    reserve.fill();
    await settle(); // an unhandled rejection would surface here
    await expect(reserve.take()).rejects.toThrow("no entropy");
    fail = false;
    await expect(reserve.take()).resolves.toBe(made[0]);
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
