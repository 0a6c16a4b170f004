import { describe, expect, it } from "vitest";
import { journeyPageFor, journeyPath, type JourneyFacts } from "./journey-page";

const facts = (over: Partial<JourneyFacts> & { status?: string; sync?: boolean }): JourneyFacts => ({
  signedIn: over.signedIn ?? true,
  connection: { status: over.status ?? "draft", hasSyncOptions: over.sync ?? false },
  run: over.run ?? null,
});

describe("journeyPageFor: the page a connection's server state calls for", () => {
  it.each<[string, JourneyFacts, string]>([
    ["a new connection, not signed in", facts({ signedIn: false }), "sign-in"],
    ["a new connection, signed in", facts({}), "environment"],
    ["a plan awaiting approval", facts({ run: { status: "awaitingApproval", approved: false } }), "plan"],
    [
      "a plan awaiting approval whose sign-in was forgotten",
      facts({ signedIn: false, run: { status: "awaitingApproval", approved: false } }),
      "sign-in",
    ],
    ["a plan that failed before approval", facts({ run: { status: "failed", approved: false } }), "environment"],
    ["a cancelled plan", facts({ run: { status: "cancelled", approved: false } }), "environment"],
    ["an approved run not yet started", facts({ status: "provisioning", run: { status: "pending", approved: true } }), "progress"],
    ["a running run", facts({ status: "provisioning", run: { status: "running", approved: true } }), "progress"],
    ["a run waiting for Microsoft", facts({ status: "provisioning", run: { status: "waiting", approved: true } }), "progress"],
    ["a failed run (Retry lives on the checklist)", facts({ status: "failed", run: { status: "failed", approved: true } }), "progress"],
    ["a failed run after the sign-in expired", facts({ signedIn: false, status: "failed", run: { status: "failed", approved: true } }), "progress"],
    ["an active connection without sync options", facts({ status: "active", run: { status: "succeeded", approved: true } }), "sync"],
    ["an active connection with sync options", facts({ status: "active", sync: true, run: { status: "succeeded", approved: true } }), "status"],
    ["a reconnect of an active connection, running", facts({ status: "active", sync: true, run: { status: "running", approved: true } }), "progress"],
    [
      "a check-and-repair plan of an active connection",
      facts({ status: "active", sync: true, run: { status: "awaitingApproval", approved: false } }),
      "plan",
    ],
    [
      "a cancelled check-and-repair of an active connection",
      facts({ status: "active", sync: true, run: { status: "cancelled", approved: false } }),
      "status",
    ],
    ["a disconnected connection", facts({ status: "disconnected", run: { status: "succeeded", approved: true } }), "environment"],
  ])("%s → %s", (_name, input, page) => {
    expect(journeyPageFor(input)).toBe(page);
  });

  it("builds the page's URL with the id encoded", () => {
    expect(journeyPath("c1", "plan")).toBe("/connect/c1/plan");
    expect(journeyPath("a/b", "status")).toBe("/connect/a%2Fb/status");
  });
});

describe("journeyPageFor: reconnect and hand-off sessions", () => {
  const reconnect = (over: Parameters<typeof facts>[0]) => ({ ...facts(over), intent: "reconnect" });
  const handoff = (over: Parameters<typeof facts>[0]) => ({ ...facts(over), intent: "handoff" });
  const status = (over: Parameters<typeof facts>[0]) => ({ ...facts(over), intent: "status" });
  it.each<[string, JourneyFacts, string]>([
    ["status link: a draft is shown, never signed in to", status({ status: "draft", signedIn: false }), "status"],
    [
      "status link: a plan awaiting approval is not offered",
      status({ status: "active", run: { status: "awaitingApproval", approved: false } }),
      "status",
    ],
    ["status link: a run under way is followed", status({ status: "provisioning", run: { status: "running", approved: true } }), "progress"],
    ["status link: an active connection without sync options", status({ status: "active", run: { status: "succeeded", approved: true } }), "status"],
    ["reconnect: an active connection without sync options", reconnect({ status: "active", run: { status: "succeeded", approved: true } }), "status"],
    ["reconnect: a broken connection", reconnect({ status: "failed", run: { status: "succeeded", approved: true } }), "status"],
    ["reconnect: a failed re-verification", reconnect({ status: "failed", run: { status: "failed", approved: true } }), "status"],
    ["reconnect: a repair plan awaiting approval", reconnect({ status: "active", run: { status: "awaitingApproval", approved: false } }), "plan"],
    ["reconnect: a repair running", reconnect({ status: "active", run: { status: "running", approved: true } }), "progress"],
    ["reconnect: no connection yet", reconnect({ status: "draft" }), "environment"],
    ["hand-off: not signed in yet", handoff({ signedIn: false, run: { status: "awaitingApproval", approved: false } }), "sign-in"],
    ["hand-off: signed in, the blocked plan", handoff({ run: { status: "awaitingApproval", approved: false } }), "plan"],
    ["hand-off: the colleague approved", handoff({ status: "provisioning", run: { status: "running", approved: true } }), "progress"],
    ["hand-off: Active (never sync options)", handoff({ status: "active", run: { status: "succeeded", approved: true } }), "progress"],
    ["hand-off: the plan was cancelled", handoff({ run: { status: "cancelled", approved: false } }), "plan"],
    [
      "the first admin, whose sign-in a colleague's replaced, follows the hand-off on the plan page",
      { ...facts({ signedIn: false, run: { status: "awaitingApproval", approved: false } }), handedOff: true },
      "plan",
    ],
    [
      "the first admin while the colleague's plan is computed",
      { ...facts({ signedIn: false, run: { status: "planning", approved: false } }), handedOff: true },
      "plan",
    ],
  ])("%s → %s", (_name, input, page) => {
    expect(journeyPageFor(input)).toBe(page);
  });
});
