import { describe, expect, it } from "vitest";
import { HEALTH_CAUSES, type HealthCause } from "../domain/connection/health-machine";
import { healthNoticeFor, type ConnectionHealthView } from "./health-notice";

const CHECKED = "2026-12-06T10:00:00.000Z";
const health = (state: ConnectionHealthView["state"], cause: HealthCause | null): ConnectionHealthView => ({
  state,
  cause,
  since: CHECKED,
  checkedAt: CHECKED,
});
const active = (h: ConnectionHealthView | null, lastVerifiedAt: string | null = "2026-12-01T00:00:00.000Z") => ({
  status: "active",
  lastVerifiedAt,
  health: h,
});

describe("the status page's health notice", () => {
  it("says nothing for a healthy connection, one never probed, or one that is not Active", () => {
    expect(healthNoticeFor(active(health("healthy", null)))).toBeNull();
    expect(healthNoticeFor(active(null))).toBeNull();
    expect(healthNoticeFor({ ...active(health("failing", "application_user_missing")), status: "failed" })).toBeNull();
  });

  it("a failing connection names the cause and points to the way that fixes it", () => {
    expect(healthNoticeFor(active(health("failing", "application_user_missing")))).toMatchObject({
      tone: "error",
      headline: "Act-On cannot reach your Dynamics 365 environment",
      problem: expect.stringMatching(/application user is no longer in your Dynamics 365 environment/),
      fix: expect.stringMatching(/^Plan the repair/),
      way: "repair",
    });
    expect(healthNoticeFor(active(health("failing", "environment_not_found")))?.way).toBe("startOver");
    expect(healthNoticeFor(active(health("failing", "application_user_disabled")))).toMatchObject({
      way: "verify",
      fix: expect.stringMatching(/Power Platform admin center/),
    });
  });

  it("a degraded connection warns, and a passing blip asks nothing of the admin", () => {
    expect(healthNoticeFor(active(health("degraded", "microsoft_unavailable")))).toMatchObject({ tone: "warning", way: "wait" });
    expect(healthNoticeFor(active(health("degraded", "tenant_unreachable")))?.fix).toMatch(/Nothing to do yet/);
  });

  it("every cause has words and a way; the customer's own changes are fixed on this page, Microsoft's blips are waited out", () => {
    const ways = Object.fromEntries(HEALTH_CAUSES.map((c) => [c, healthNoticeFor(active(health("failing", c)))!.way]));
    expect(ways).toEqual({
      credential_expired: "repair",
      credential_removed: "repair",
      consent_revoked: "repair",
      application_user_missing: "repair",
      application_user_disabled: "verify",
      integration_user_missing: "verify",
      privilege_missing: "repair",
      environment_not_found: "startOver",
      tenant_unreachable: "wait",
      microsoft_unavailable: "wait",
    });
    for (const cause of HEALTH_CAUSES) {
      const notice = healthNoticeFor(active(health("failing", cause)))!;
      expect(notice.problem.length).toBeGreaterThan(20);
      expect(notice.fix.length).toBeGreaterThan(20);
    }
  });

  it("a verification that passed after the last probe (a finished repair) says so until the next probe confirms it", () => {
    const repaired = healthNoticeFor(active(health("failing", "application_user_missing"), "2026-12-06T10:05:00.000Z"));
    expect(repaired).toMatchObject({ tone: "info", headline: "Fixed since the last health check", way: "wait" });
    // A verification before the probe does not soften what the probe found.
    expect(healthNoticeFor(active(health("failing", "application_user_missing"), "2026-12-06T09:55:00.000Z"))?.tone).toBe("error");
  });

  it("speaks on-premises words for an on-premises connection: the server and the domain user, never a client secret or app", () => {
    const onPrem = (cause: HealthCause) => healthNoticeFor({ ...active(health("failing", cause)), authMode: "onprem" })!;
    expect(onPrem("credential_removed")).toMatchObject({ headline: "Act-On cannot reach your Dynamics 365 server", way: "verify" });
    expect(onPrem("credential_removed").problem).toMatch(/domain user's sign-in/);
    for (const cause of HEALTH_CAUSES) {
      const notice = onPrem(cause);
      expect(`${notice.problem} ${notice.fix}`, cause).not.toMatch(
        /client secret|application user|Integration app|Plan the repair|Microsoft tenant/i,
      );
      // The status page offers an on-premises connection only a re-check (and waiting).
      expect(["verify", "wait"], cause).toContain(notice.way);
    }
    // A cloud connection keeps its words.
    expect(healthNoticeFor(active(health("failing", "credential_removed")))!.problem).toMatch(/client secret/);
  });
});
