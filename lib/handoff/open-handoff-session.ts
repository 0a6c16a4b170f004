import "server-only";
import { randomUUID } from "node:crypto";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import type { AppError } from "../core/errors";
import { createPortalSession } from "../sessions/portal-sessions";
import type { PortalSessionView, SessionLifetimes } from "../sessions/session-view";
import { openHandoffLink, type HandoffConfig } from "./handoff-links";
import type { HandoffRefusalCode } from "./handoff-token";

export type HandoffSessionResult =
  | { kind: "opened"; sessionToken: string; expiresAt: Date; session: PortalSessionView }
  | { kind: "refused"; code: HandoffRefusalCode; error: AppError };

/**
 * `/handoff?t=…`: the colleague's browser exchanges the link (once) for a portal session with intent `handoff`, bound
 * to the link's connection and steps. The colleague then signs in with their own Microsoft account; nothing the
 * first admin signed in with is shared.
 */
export async function openHandoffSession(
  db: Db,
  input: { token: string; config: HandoffConfig; lifetimes: SessionLifetimes; now?: Date },
): Promise<HandoffSessionResult> {
  const now = input.now ?? new Date();
  const claim = `pending:${randomUUID()}`;
  const opened = await openHandoffLink(db, input.token, {
    keys: input.config.keys,
    portalBaseUrl: input.config.portalBaseUrl,
    claimedBy: claim,
    now,
  });
  if (!opened.ok) return { kind: "refused", code: opened.code, error: opened.error };
  const { handoff } = opened;
  const { token, session } = await createPortalSession(db, {
    accountId: handoff.accountId,
    connectionId: handoff.connectionId,
    intent: "handoff",
    handoff: { linkId: handoff.linkId, steps: handoff.steps },
    lifetimes: input.lifetimes,
    now,
  });
  await db.handoffLink.updateMany({ where: { id: handoff.linkId, usedBySessionId: claim }, data: { usedBySessionId: session.id } });
  await recordAuditEvent(db, {
    actor: { type: "admin", id: "handoff-colleague:not-signed-in" },
    action: "session.opened",
    accountId: handoff.accountId,
    connectionId: handoff.connectionId,
    outcome: "success",
    detail: { intent: "handoff", linkId: handoff.linkId, createdBy: handoff.createdBy },
  });
  return { kind: "opened", sessionToken: token, expiresAt: new Date(now.getTime() + input.lifetimes.absoluteMs), session };
}
