import { describe, expect, it } from "vitest";
import { credentialModeOf, credentialRotatesAt } from "./credential-mode";

describe("credential mode", () => {
  it("a certificate's replacement starts 30 days before it expires; a secret is never rotated", () => {
    const expiresAt = new Date("2027-12-06T12:00:00Z");
    expect(credentialRotatesAt("certificate", expiresAt)?.toISOString()).toBe("2027-11-06T12:00:00.000Z");
    expect(credentialRotatesAt("secret", expiresAt)).toBeNull();
    expect(credentialRotatesAt("certificate", null)).toBeNull();
  });

  it("a connection without a recorded mode (proven before certificates existed) has a client secret", () => {
    expect(credentialModeOf({ credentialMode: null })).toBe("secret");
    expect(credentialModeOf({ credentialMode: "certificate" })).toBe("certificate");
  });
});
