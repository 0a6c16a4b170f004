import { describe, expect, it } from "vitest";
import { chooseCredentialMode, credentialModeLabel, credentialModeOf, credentialRotatesAt, offeredCredentialModes } from "./credential-mode";
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
});
