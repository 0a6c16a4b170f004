import { describe, expect, it } from "vitest";
import {
  FAILING_AFTER,
  HEALTH_CAUSE_LABELS,
  HEALTH_CAUSES,
  healthCauseFix,
  isDefinitiveCause,
  nextHealth,
  type Health,
  type ProbeOutcome,
} from "./health-machine";

const NEVER: Health = { state: null, cause: null, since: null, failures: 0 };
const t = (n: number) => new Date(Date.UTC(2026, 11, 6, 12, n));
const fail = (cause: (typeof HEALTH_CAUSES)[number]): ProbeOutcome => ({ ok: false, cause });

/** Runs outcomes from `start`, one minute apart; returns each transition. */
function replay(start: Health, outcomes: ProbeOutcome[]) {
  let health = start;
  return outcomes.map((outcome, i) => {
    const step = nextHealth(health, outcome, t(i));
    health = step.next;
    return step;
  });
}

describe("connection health transitions", () => {
  it("a first healthy probe is healthy and tells nobody; an unchanged re-probe keeps its since and tells nobody", () => {
    const [first, second] = replay(NEVER, [{ ok: true }, { ok: true }]);
    expect(first).toEqual({ next: { state: "healthy", cause: null, since: t(0), failures: 0 }, changed: false });
    expect(second).toEqual({ next: { state: "healthy", cause: null, since: t(0), failures: 0 }, changed: false });
  });

  it("a single blip degrades, never fails, and the next success is healthy again (two changes)", () => {
    const steps = replay(NEVER, [{ ok: true }, fail("microsoft_unavailable"), { ok: true }]);
    expect(steps.map((s) => [s.next.state, s.next.cause, s.changed])).toEqual([
      ["healthy", null, false],
      ["degraded", "microsoft_unavailable", true],
      ["healthy", null, true],
    ]);
    expect(steps[2].next.since).toEqual(t(2));
  });

  it(`an ordinary cause fails after ${FAILING_AFTER} probes in a row, changing once per state`, () => {
    const steps = replay(NEVER, [fail("tenant_unreachable"), fail("tenant_unreachable"), fail("tenant_unreachable"), fail("tenant_unreachable")]);
    expect(steps.map((s) => [s.next.state, s.next.failures, s.changed])).toEqual([
      ["degraded", 1, true],
      ["degraded", 2, false],
      ["failing", 3, true],
      ["failing", 4, false],
    ]);
    expect(steps[1].next.since).toEqual(t(0));
    expect(steps[3].next.since).toEqual(t(2));
  });

  it.each([
    "application_user_missing",
    "integration_user_missing",
    "credential_removed",
    "consent_revoked",
    "environment_not_found",
    "credential_expired",
  ] as const)("%s fails at once, from healthy or never probed", (cause) => {
    expect(isDefinitiveCause(cause)).toBe(true);
    expect(nextHealth(NEVER, fail(cause), t(0))).toEqual({ next: { state: "failing", cause, since: t(0), failures: 1 }, changed: true });
    const healthy: Health = { state: "healthy", cause: null, since: t(0), failures: 0 };
    expect(nextHealth(healthy, fail(cause), t(1)).next.state).toBe("failing");
  });

  it("the ordinary causes do not fail at once", () => {
    for (const cause of ["application_user_disabled", "privilege_missing", "tenant_unreachable", "microsoft_unavailable"] as const) {
      expect(isDefinitiveCause(cause)).toBe(false);
      expect(nextHealth(NEVER, fail(cause), t(0)).next.state).toBe("degraded");
    }
  });

  it("a new cause is a change (new since); a blip while failing keeps it failing; success counts from zero again", () => {
    const steps = replay(NEVER, [
      fail("microsoft_unavailable"),
      fail("application_user_missing"),
      fail("microsoft_unavailable"),
      { ok: true },
      fail("microsoft_unavailable"),
    ]);
    expect(steps.map((s) => [s.next.state, s.next.cause, s.next.failures, s.changed])).toEqual([
      ["degraded", "microsoft_unavailable", 1, true],
      ["failing", "application_user_missing", 2, true],
      ["failing", "microsoft_unavailable", 3, true],
      ["healthy", null, 0, true],
      ["degraded", "microsoft_unavailable", 1, true],
    ]);
    expect(steps[2].next.since).toEqual(t(2));
  });
});

describe("the customer's fix", () => {
  it("speaks of the app and its secret for a cloud connection, of the domain user and its server on-premises", () => {
    expect(healthCauseFix("credential_removed", "cloud")).toMatch(/client secret/);
    expect(healthCauseFix("credential_removed", "onprem")).toMatch(/domain user's password/);
    expect(healthCauseFix("tenant_unreachable", "onprem")).toMatch(/Dynamics 365 server/);
    // A cause with nothing particular to say on-premises keeps the common words.
    expect(healthCauseFix("privilege_missing", "onprem")).toBe(healthCauseFix("privilege_missing", "cloud"));
    for (const cause of HEALTH_CAUSES) for (const mode of ["cloud", "onprem"]) expect(healthCauseFix(cause, mode)).toMatch(/\.$/);
  });

  it("names a password connection's integration user that is not a user of the environment, never an application user to re-create", () => {
    expect(HEALTH_CAUSE_LABELS.integration_user_missing).toBe("Integration user not in environment");
    for (const mode of ["onprem", "legacy"]) {
      const fix = healthCauseFix("integration_user_missing", mode);
      expect(fix).toMatch(/not a user of the Dynamics 365/);
      expect(fix).toMatch(/security role/);
      expect(fix).not.toMatch(/application user|Plan the repair/i);
    }
  });
});
