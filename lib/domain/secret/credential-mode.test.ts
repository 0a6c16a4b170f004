import { describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_TYPES } from "../webhook-outbox/webhook-events";
import {
  chooseCredentialMode,
  credentialModeLabel,
  credentialModeOf,
  credentialOfferWords,
  credentialRenewalText,
  credentialRotatesAt,
  offeredCredentialModes,
} from "./credential-mode";
import { dueReminder } from "./credential-reminders";
import { ROTATION_PHASES } from "./rotation/rotation-schedule";
import { stepsFor } from "../run/machine";

describe("credential mode", () => {
  it("a certificate's replacement starts 30 days before it expires; a secret is never rotated, nor is the connector", () => {
    const expiresAt = new Date("2027-12-06T12:00:00Z");
    expect(credentialRotatesAt("certificate", expiresAt)?.toISOString()).toBe("2027-11-06T12:00:00.000Z");
    expect(credentialRotatesAt("secret", expiresAt)).toBeNull();
    expect(credentialRotatesAt("certificate", null)).toBeNull();
    expect(credentialRotatesAt("connector", expiresAt)).toBeNull();
  });

  it("a connection without a recorded mode (proven before certificates existed) has a client secret", () => {
    expect(credentialModeOf({ credentialMode: null })).toBe("secret");
    expect(credentialModeOf({ credentialMode: "certificate" })).toBe("certificate");
    expect(credentialModeOf({ credentialMode: "connector" })).toBe("connector");
  });
});

describe("choosing the mode of a new cloud run", () => {
  it("defaults to the Act-On Connector when it is configured, else to a certificate", () => {
    expect(chooseCredentialMode({ current: null, connectorConfigured: true })).toEqual({ ok: true, mode: "connector" });
    expect(chooseCredentialMode({ current: null, connectorConfigured: false })).toEqual({ ok: true, mode: "certificate" });
  });

  it("keeps the connection's current mode on a repair, unless the connector it used is no longer configured", () => {
    expect(chooseCredentialMode({ current: "secret", connectorConfigured: true })).toEqual({ ok: true, mode: "secret" });
    expect(chooseCredentialMode({ current: "certificate", connectorConfigured: true })).toEqual({ ok: true, mode: "certificate" });
    expect(chooseCredentialMode({ current: "connector", connectorConfigured: true })).toEqual({ ok: true, mode: "connector" });
    expect(chooseCredentialMode({ current: "connector", connectorConfigured: false })).toEqual({ ok: true, mode: "certificate" });
  });

  it("uses what was asked for, and refuses the connector in words where it is not configured", () => {
    expect(chooseCredentialMode({ asked: "secret", current: "connector", connectorConfigured: true })).toEqual({ ok: true, mode: "secret" });
    expect(chooseCredentialMode({ asked: "connector", current: null, connectorConfigured: true })).toEqual({ ok: true, mode: "connector" });
    const refused = chooseCredentialMode({ asked: "connector", current: null, connectorConfigured: false });
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.message).toBe(
        'The Act-On Connector is not configured on this portal (ACTON_CONNECTOR_APP_ID and its certificate), so connect with "certificate" or "secret".',
      );
  });

  it("offers the connector only when configured", () => {
    expect(offeredCredentialModes(true)).toEqual(["connector", "certificate", "secret"]);
    expect(offeredCredentialModes(false)).toEqual(["certificate", "secret"]);
  });

  it("a connector run registers no app and makes no credential; its disconnect always disables the application user", () => {
    expect(stepsFor("connect", "cloud", undefined, "connector")).toEqual([
      "environment",
      "preconditions",
      "adminConsent",
      "applicationUser",
      "verify",
    ]);
    expect(stepsFor("migrate", "cloud", undefined, "connector")).toEqual(["environment", "adminConsent", "applicationUser", "verify"]);
    expect(stepsFor("connect", "cloud", undefined, "certificate")).toContain("appRegistration");
    const scope = { removeApplicationUser: false, deleteAppRegistration: false };
    expect(stepsFor("disconnect", "cloud", scope, "connector")).toEqual(["revokeSecrets", "removeApplicationUser"]);
    expect(stepsFor("disconnect", "cloud", scope, "certificate")).toEqual(["revokeSecrets"]);
  });

  it("names the connector in plain words: no credential in the tenant, nothing to rotate", () => {
    expect(credentialModeLabel("connector")).toMatch(/Act-On Connector.*no app registration and no credential in your tenant, nothing to rotate/);
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

    // The connector's certificate is Act-On's, in Act-On's tenant: the portal rotates nothing for the connection.
    expect(credentialRotatesAt("connector", expiresAt)).toBeNull();
    expect(credentialRenewalText("connector")).toMatch(/^Nothing here expires: Act-On holds and renews the connector's certificate/);
  });
});

describe("the status page's offers name each mode's credential", () => {
  it("says what a verification signs in with, what a repair may find removed and what starting over makes anew", () => {
    expect(credentialOfferWords("certificate")).toEqual({
      signsInWith: "the stored certificate",
      removable: "a certificate that was removed",
      madeAnew: "a new certificate",
    });
    expect(credentialOfferWords("secret")).toEqual({
      signsInWith: "the stored client secret",
      removable: "a client secret that was removed",
      madeAnew: "a new client secret",
    });
    // The connector stores nothing for the connection and makes no credential in the tenant.
    expect(credentialOfferWords("connector")).toEqual({
      signsInWith: "the Act-On Connector's certificate, which Act-On holds",
      removable: null,
      madeAnew: null,
    });
    expect(credentialOfferWords(null).signsInWith).toBe("the stored credential");
  });
});
