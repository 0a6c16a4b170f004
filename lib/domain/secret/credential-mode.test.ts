import { describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_TYPES } from "../webhook-outbox/webhook-events";
import { credentialModeOf, credentialRenewalText, credentialRotatesAt } from "./credential-mode";
import { dueReminder } from "./credential-reminders";
import { ROTATION_PHASES } from "./rotation/rotation-schedule";

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

  it("the status page states only what the portal does to keep each credential working", () => {
    const expiresAt = new Date("2027-12-06T12:00:00Z");
    const leadDays = (expiresAt.getTime() - credentialRotatesAt("certificate", expiresAt)!.getTime()) / 86_400_000;
    const certificate = credentialRenewalText("certificate");
    // The rotation job's own lead, order (switch before removal) and alert; nothing asked of the admin.
    expect(certificate).toContain(`replaces it by itself ${leadDays} days before`);
    expect(ROTATION_PHASES.indexOf("switched")).toBeLessThan(ROTATION_PHASES.indexOf("done"));
    expect(certificate).toMatch(/switches to it, and only then removes the old one/);
    expect(WEBHOOK_EVENT_TYPES).toContain("connection.credential_rotation_failed");
    expect(certificate).toMatch(/If that fails, Act-On is told/);
    expect(certificate).not.toMatch(/reconnect|remind/i);

    const secret = credentialRenewalText("secret");
    const days = secret
      .match(/tells Act-On ([\d, and]+) days before/)![1]
      .split(/, | and /)
      .map(Number);
    expect(days).toEqual([30, 14, 7, 1]);
    // Each day named is one the reminder sweep publishes at.
    for (const d of days) expect(dueReminder({ expiresAt, now: new Date(expiresAt.getTime() - d * 86_400_000 + 60_000), sentDays: null })).toBe(d);
    expect(secret).not.toMatch(/replaces it by itself|rotat/i);
  });
});
