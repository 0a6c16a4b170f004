import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openSecret, sealSecret, type EncryptionKey } from "./secret-box";

const keyring = (...ids: string[]): EncryptionKey[] => ids.map((id) => ({ id, key: randomBytes(32) }));
const flip = (b64: string) => {
  const buf = Buffer.from(b64, "base64");
  buf[0] ^= 0x01;
  return buf.toString("base64");
};

describe("secret box (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const keys = keyring("k1");
    const sealed = sealSecret("s3cr3t~value", keys, "conn-1:clientSecret");
    expect(JSON.stringify(sealed)).not.toContain("s3cr3t");
    expect(sealed.keyId).toBe("k1");
    expect(openSecret(sealed, keys, "conn-1:clientSecret")).toEqual({ ok: true, value: "s3cr3t~value" });
  });

  it.each([4, 8, 12, 15])("rejects an auth tag truncated to %i bytes", (bytes) => {
    const keys = keyring("k1");
    const sealed = sealSecret("s3cr3t~value", keys, "a");
    const truncated = { ...sealed, authTag: Buffer.from(sealed.authTag, "base64").subarray(0, bytes).toString("base64") };
    const opened = openSecret(truncated, keys, "a");
    expect(opened.ok).toBe(false);
  });

  it("uses a fresh IV each time", () => {
    const keys = keyring("k1");
    expect(sealSecret("same", keys, "a").iv).not.toBe(sealSecret("same", keys, "a").iv);
  });

  it.each([
    ["ciphertext", (s: ReturnType<typeof sealSecret>) => ({ ...s, ciphertext: flip(s.ciphertext) })],
    ["auth tag", (s: ReturnType<typeof sealSecret>) => ({ ...s, authTag: flip(s.authTag) })],
    ["iv", (s: ReturnType<typeof sealSecret>) => ({ ...s, iv: flip(s.iv) })],
  ])("rejects a tampered %s", (_what, tamper) => {
    const keys = keyring("k1");
    const result = openSecret(tamper(sealSecret("value", keys, "aad")), keys, "aad");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.detail).toMatch(/tampered/);
  });

  it("rejects a ciphertext moved to another record (different AAD)", () => {
    const keys = keyring("k1");
    expect(openSecret(sealSecret("value", keys, "conn-1"), keys, "conn-2").ok).toBe(false);
  });

  it("decrypts with a retired key after rotation and encrypts with the new one", () => {
    const [old] = keyring("old");
    const sealed = sealSecret("value", [old], "aad");
    const rotated = [...keyring("new"), old];
    expect(openSecret(sealed, rotated, "aad")).toEqual({ ok: true, value: "value" });
    expect(sealSecret("value", rotated, "aad").keyId).toBe("new");
  });

  it("reports an unknown key id as an error value", () => {
    const sealed = sealSecret("value", keyring("gone"), "aad");
    const result = openSecret(sealed, keyring("other"), "aad");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.detail).toContain('"gone"');
  });
});
