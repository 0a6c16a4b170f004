import "server-only";
import type { Db } from "../core/db";
import type { AppError } from "../core/errors";
import { parseStoredRunOptions } from "../domain/run/run-options";
import { checkHandoffPin, type HandoffPin, type HandoffRequest, type PinnedRunState } from "./handoff-scope";

/** The session as the check needs it (a PortalSessionView fits). */
type HandoffSession = { intent: string; connectionId: string | null; handoff: { linkId: string } | null };

/** The pin of a plan: its run's kind, role choice and environment (the plan's own, else the options'). */
export function pinOfRun(run: { id: string; kind: string; options: unknown; plan: unknown }): HandoffPin {
  const shape = shapeOfRun(run);
  return { runId: run.id, kind: shape.kind, role: shape.role, environment: shape.environment };
}

function shapeOfRun(run: { kind: string; options: unknown; plan: unknown }): { kind: string; role: string; environment: string | null } {
  const options = parseStoredRunOptions(run.options);
  const planned = (run.plan as { environment?: { url?: string | null } | null } | null)?.environment?.url;
  return { kind: run.kind, role: options?.role ?? "leastPrivilege", environment: planned ?? options?.environment ?? null };
}

/**
 * May this session still take `action` on `connectionId`? For an Act-On session, always (authorize checks the rest).
 * For a colleague's hand-off session (its connection and kinds of action are checked by authorize first): its standing — the link neither withdrawn nor expired, the pinned run still open, and the request (run, role) the
 * pinned plan's (checkHandoffPin). Null when it may; otherwise the refusal in words. Reads only.
 */
export async function checkHandoffStanding(
  db: Db,
  session: HandoffSession,
  target: { connectionId: string; action: string; request?: HandoffRequest; now?: Date },
): Promise<AppError | null> {
  if (session.intent !== "handoff") return null;
  // Which actions a hand-off takes at all, and on which connection, is the guard's (lib/connect/authorize.ts).
  if (target.action === "view") return null;
  const linkId = session.handoff?.linkId;
  const row = linkId
    ? await db.handoffLink.findFirst({
        where: { id: linkId, connectionId: target.connectionId },
        select: { expiresAt: true, revokedAt: true, runId: true, planKind: true, planRole: true, planEnvironment: true },
      })
    : null;
  const link = row
    ? {
        expiresAt: row.expiresAt,
        revokedAt: row.revokedAt,
        pin: { runId: row.runId, kind: row.planKind, role: row.planRole, environment: row.planEnvironment },
      }
    : null;
  const run = row?.runId ? await findPinnedRun(db, row.runId, target.connectionId) : null;
  return checkHandoffPin({ action: target.action, link, run, request: target.request, now: target.now ?? new Date() });
}

async function findPinnedRun(db: Db, runId: string, connectionId: string): Promise<PinnedRunState | null> {
  const run = await db.provisioningRun.findFirst({
    where: { id: runId, connectionId },
    select: { status: true, kind: true, options: true, plan: true, steps: { where: { status: "failed" }, select: { name: true }, take: 1 } },
  });
  if (!run) return null;
  return { status: run.status, hasFailedStep: run.steps.length > 0, ...shapeOfRun(run) };
}
