/**
 * Defect: one certificate in about thirty failed to parse ("asn1 encoding routines::illegal padding") when the random
 * serial began with a zero byte; one in twenty of a bench's onboardings failed its credential step with it. The
 * random source is pinned to that case here.
 */
import { X509Certificate } from "node:crypto";
import { describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (original) => ({ ...(await original<typeof import("node:crypto")>()), randomBytes: (n: number) => Buffer.alloc(n) }));

describe("createCertificateCredential with a serial whose random bytes begin with zero", () => {
  it("makes a certificate OpenSSL parses", async () => {
    const { createCertificateCredential } = await import("./certificate-credential");
    const credential = await createCertificateCredential({
      commonName: "Zero serial",
      notBefore: new Date("2026-12-01T00:00:00Z"),
      notAfter: new Date("2027-12-01T00:00:00Z"),
    });
    expect(new X509Certificate(credential.certificateDer).subject).toBe("CN=Zero serial");
  });
});
