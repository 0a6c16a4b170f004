/**
 * Who a stored Microsoft sign-in belongs to, and the plan a colleague's hand-off is pinned to. Which kinds of action a
 * hand-off session takes at all is part of the journey's one action policy (lib/connect/action-policy.ts). Pure (no
 * server-only marker), so the rules are unit-tested.
 */
import { appError, type AppError } from "../core/errors";

/** True when a stored Microsoft sign-in belongs to the person signed in to this portal session (same tenant and account). */
export function isSameMicrosoftAccount(
  stored: { tenantId: string | null; username: string | null },
  signedIn: { tenantId: string; username: string } | null,
): boolean {
  if (!signedIn || !stored.tenantId || !stored.username) return false;
  return stored.tenantId.toLowerCase() === signedIn.tenantId.toLowerCase() && stored.username.toLowerCase() === signedIn.username.toLowerCase();
}

// ---------------------------------------------------------------- the plan a hand-off is pinned to

/** The plan a hand-off link was made for: its run, kind, role choice and environment. */
export type HandoffPin = { runId: string | null; kind: string | null; role: string | null; environment: string | null };

/** The pinned run as the rules need it: where it stands and what it would do. */
export type PinnedRunState = { status: string; hasFailedStep: boolean; kind: string; role: string; environment: string | null };

/** What an action asks for: the run it acts on, and for an approval the role chosen. */
export type HandoffRequest = { runId?: string; role?: string };

/** An environment URL as two plans compare it (case and a trailing slash do not make another environment). Pure. */
export function samePlanEnvironment(a: string | null, b: string | null): boolean {
  const norm = (u: string | null) => (u ? u.trim().toLowerCase().replace(/\/+$/, "") : null);
  return norm(a) === norm(b);
}

/** The pinned plan in words, for the refusal: "the plan to connect Act-On to <env> with <role>". */
export function describePinnedPlan(pin: HandoffPin): string {
  const what = pin.kind === "migrate" ? "move Act-On's connection to OAuth for" : "connect Act-On to";
  const where = pin.environment ?? "the environment it names";
  const role = pin.role === "systemAdministrator" ? "the System Administrator role" : "the least-privilege security role";
  return `the plan to ${what} ${where} with ${role}`;
}

/** A run the colleague may still act on: not finished, or failed with a step a retry can take up again. */
function isRunOpenForHandoff(run: PinnedRunState): boolean {
  if (run.status === "succeeded" || run.status === "cancelled") return false;
  if (run.status === "failed") return run.hasFailedStep;
  return true;
}

const refuse = (message: string, detail: string) => appError("forbidden", message, { detail });

/**
 * Whether a colleague's hand-off session may still take `action` (anything but viewing): only while its link is
 * neither withdrawn nor expired (the session never outlives the link for actions), only while the pinned run is open,
 * only on that run, and never with another role, environment or kind than the plan the link was made for. Null when
 * it may. Pure: the link's, the run's and the clock's state come in.
 */
export function checkHandoffPin(input: {
  /** The journey action asked (lib/connect/action-policy.ts); only "view" needs no standing. */
  action: string;
  link: { expiresAt: Date; revokedAt: Date | null; pin: HandoffPin } | null;
  run: PinnedRunState | null;
  request?: HandoffRequest;
  now: Date;
}): AppError | null {
  const { action, link, run, request, now } = input;
  if (action === "view") return null;
  const newLink = "ask them for a new link if they still need your help. You can still see the connection's status.";
  if (!link || link.revokedAt)
    return refuse(`This hand-off link was withdrawn, so you can no longer act on this connection: ${newLink}`, "handoff link revoked");
  if (link.expiresAt.getTime() <= now.getTime())
    return refuse(`This hand-off link has expired, so you can no longer act on this connection: ${newLink}`, "handoff link expired");
  const { pin } = link;
  if (!pin.runId || !pin.kind || !run)
    return refuse(`This hand-off link does not name a plan you can act on: ${newLink}`, "handoff link has no pinned run");
  if (!isRunOpenForHandoff(run)) {
    return refuse(
      `The plan your colleague asked you to help with has ended (${run.status}): there is nothing more to do with this link. ${newLink}`,
      `pinned run ${run.status}`,
    );
  }
  const changed = `Your colleague asked you to approve ${describePinnedPlan(pin)}; ask them for a new link to change it.`;
  const drifted = run.kind !== pin.kind || run.role !== pin.role || !samePlanEnvironment(run.environment, pin.environment);
  if (drifted) return refuse(changed, "pinned run no longer matches the link's plan");
  if (request?.runId !== undefined && request.runId !== pin.runId) return refuse(changed, "another run than the pinned one");
  if (request?.role !== undefined && request.role !== pin.role) return refuse(changed, `role ${request.role} instead of ${pin.role}`);
  return null;
}
