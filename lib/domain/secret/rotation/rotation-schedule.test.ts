import { describe, expect, it } from "vitest";
import { credentialRotatesAt } from "../credential-mode";
import { isFinished, isRotationDue, nextRetryAt } from "./rotation-schedule";

const NOW = new Date("2027-03-01T12:00:00Z");
const MIN = 60_000;

describe("rotation schedule", () => {
  it("retries after 5, 10, 20 minutes… and never waits more than six hours", () => {
    const waits = [1, 2, 3, 4, 8, 20].map((attempt) => (nextRetryAt(NOW, attempt).getTime() - NOW.getTime()) / MIN);
    expect(waits).toEqual([5, 10, 20, 40, 360, 360]);
  });

  it("is due from 30 days before the certificate expires, never for a secret", () => {
    const expiresAt = new Date(NOW.getTime() + 30 * 86_400_000);
    expect(isRotationDue(credentialRotatesAt("certificate", expiresAt), NOW)).toBe(true);
    expect(isRotationDue(credentialRotatesAt("certificate", new Date(expiresAt.getTime() + MIN)), NOW)).toBe(false);
    expect(isRotationDue(credentialRotatesAt("secret", expiresAt), NOW)).toBe(false);
  });

  it("only the last phase is finished", () => {
    expect(isFinished("done")).toBe(true);
    expect(isFinished("switched")).toBe(false);
  });
});
