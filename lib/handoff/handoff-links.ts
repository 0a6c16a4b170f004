import "server-only";
import type { AuditActor } from "../domain/audit/record-audit-event";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { STEP_NAMES, type StepName } from "../domain/run/machine";
import type { HandoffPin } from "./handoff-scope";
import {
  handoffRefusal,
  HANDOFF_PARAM,
  signHandoffToken,
  verifyHandoffToken,
  type HandoffRefusalCode,
  type HandoffSigningKey,
} from "./handoff-token";

/**
 * The HandoffLink aggregate: creating a link for a colleague, opening it (once), and withdrawing it. Every write to
 * the table is here, and each is audited with its actor.
 */

export type HandoffConfig = { keys: HandoffSigningKey[]; portalBaseUrl: string; ttlMs: number };

export type CreatedHandoffLink = { linkId: string; url: string; expiresAt: Date; steps: StepName[] };

const isStepName = (s: string): s is StepName => (STEP_NAMES as readonly string[]).includes(s);

/**
 * Creates a hand-off link for `steps` of the account's connection: signed, single-use, expiring after `ttlMs`. The
 * URL is returned once (to show to the admin who asked for it) and is not stored; the row holds no secret.
 */
export async function createHandoffLink(
  db: Db,
  input: {
    accountId: string;
    connectionId: string;
    steps: string[];
    requiredRole?: string | null;
    /** The plan the colleague is asked to approve (its run, kind, role and environment); the session acts on it only. */
    pin?: HandoffPin;
    actor: AuditActor;
    now?: Date;
  },
  config: HandoffConfig,
): Promise<Result<CreatedHandoffLink>> {
  const steps = [...new Set(input.steps)];
  if (steps.length === 0 || !steps.every(isStepName)) return fail(appError("invalid_input", "Choose the steps your colleague should complete."));
  const connection = await db.connection.findFirst({
    where: { id: input.connectionId, accountId: input.accountId },
    select: { id: true, status: true },
  });
  if (!connection) return fail(appError("not_found", "That connection does not exist for this account."));
  if (connection.status === "disconnected") return fail(appError("conflict", "This connection is disconnected; start a new connection instead."));
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + config.ttlMs);
  // One open link per connection: a new one withdraws those nobody opened yet (a colleague at work keeps theirs).
  await revokeHandoffLinks(db, { connectionId: connection.id, actor: input.actor, now, reason: "replaced by a new link" });
  const row = await db.handoffLink.create({
    data: {
      accountId: input.accountId,
      connectionId: connection.id,
      steps,
      requiredRole: input.requiredRole ?? null,
      runId: input.pin?.runId ?? null,
      planKind: input.pin?.kind ?? null,
      planRole: input.pin?.role ?? null,
      planEnvironment: input.pin?.environment ?? null,
      createdBy: input.actor.id,
      createdAt: now,
      expiresAt,
    },
    select: { id: true },
  });
  const token = await signHandoffToken({
    keys: config.keys,
    portalBaseUrl: config.portalBaseUrl,
    linkId: row.id,
    connectionId: connection.id,
    steps,
    issuedAt: now,
    expiresAt,
  });
  await recordAuditEvent(db, {
    actor: input.actor,
    action: "handoff.created",
    accountId: input.accountId,
    connectionId: connection.id,
    detail: { linkId: row.id, steps, requiredRole: input.requiredRole ?? null, expiresAt: expiresAt.toISOString(), pin: input.pin ?? null },
  });
  const url = new URL("/handoff", config.portalBaseUrl.replace(/\/+$/, "") + "/");
  url.searchParams.set(HANDOFF_PARAM, token);
  return ok({ linkId: row.id, url: url.toString(), expiresAt, steps });
}

type OpenedHandoff = {
  linkId: string;
  accountId: string;
  connectionId: string;
  steps: StepName[];
  requiredRole: string | null;
  createdBy: string;
};

export type HandoffOpenResult =
  { ok: true; handoff: OpenedHandoff } | { ok: false; code: HandoffRefusalCode; error: ReturnType<typeof handoffRefusal> };

/**
 * Opens a hand-off link: verifies the token, then marks the row used with a guarded update, so of two browsers
 * opening the same link exactly one gets it. `claimedBy` names the session the caller is about to create (stored so
 * support can see which session a link opened). Audited as `handoff.opened` (or `handoff.refused`).
 */
export async function openHandoffLink(
  db: Db,
  token: string,
  options: { keys: HandoffSigningKey[]; portalBaseUrl: string; claimedBy: string; now?: Date },
): Promise<HandoffOpenResult> {
  const now = options.now ?? new Date();
  const verified = await verifyHandoffToken(token, { keys: options.keys, portalBaseUrl: options.portalBaseUrl, now });
  const anonymous: AuditActor = { type: "system", id: "handoff-link" };
  if (!verified.ok) {
    await recordAuditEvent(db, { actor: anonymous, action: "handoff.refused", outcome: "failure", detail: { refusal: verified.code } });
    return verified;
  }
  const { linkId } = verified.claims;
  const row = await db.handoffLink.findUnique({ where: { id: linkId } });
  const refuse = async (code: HandoffRefusalCode): Promise<HandoffOpenResult> => {
    await recordAuditEvent(db, {
      actor: anonymous,
      action: "handoff.refused",
      outcome: "failure",
      accountId: row?.accountId ?? null,
      connectionId: row?.connectionId ?? null,
      detail: { linkId, refusal: code },
    });
    return { ok: false, code, error: handoffRefusal(code) };
  };
  if (!row || row.connectionId !== verified.claims.connectionId) return refuse("handoff_not_found");
  if (row.revokedAt) return refuse("handoff_revoked");
  if (row.usedAt) return refuse("handoff_used");
  if (row.expiresAt.getTime() <= now.getTime()) return refuse("handoff_expired");
  const { count } = await db.handoffLink.updateMany({
    where: { id: row.id, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now, usedBySessionId: options.claimedBy },
  });
  if (count === 0) return refuse("handoff_used");
  await recordAuditEvent(db, {
    actor: anonymous,
    action: "handoff.opened",
    outcome: "success",
    accountId: row.accountId,
    connectionId: row.connectionId,
    detail: { linkId: row.id, createdBy: row.createdBy, steps: row.steps },
  });
  const steps = (Array.isArray(row.steps) ? row.steps : []).filter((s): s is StepName => typeof s === "string" && isStepName(s));
  return {
    ok: true,
    handoff: {
      linkId: row.id,
      accountId: row.accountId,
      connectionId: row.connectionId,
      steps,
      requiredRole: row.requiredRole,
      createdBy: row.createdBy,
    },
  };
}

/** Withdraws every unused link of a connection (the first admin finished themselves, disconnected, or made a new one). */
export async function revokeHandoffLinks(db: Db, input: { connectionId: string; actor: AuditActor; now?: Date; reason?: string }): Promise<number> {
  const now = input.now ?? new Date();
  const { count } = await db.handoffLink.updateMany({
    where: { connectionId: input.connectionId, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
    data: { revokedAt: now },
  });
  if (count > 0)
    await recordAuditEvent(db, {
      actor: input.actor,
      action: "handoff.revoked",
      connectionId: input.connectionId,
      detail: input.reason ? { count, reason: input.reason } : { count },
    });
  return count;
}

/**
 * The colleague checked the pinned plan again as themselves: the new run (same kind, role and environment) is the
 * one their session acts on from now on. Guarded on the run it moves from, so a stale request moves nothing.
 */
export async function repinHandoffLink(
  db: Db,
  input: { linkId: string; connectionId: string; fromRunId: string; toRunId: string; actor: AuditActor },
): Promise<boolean> {
  const { count } = await db.handoffLink.updateMany({
    where: { id: input.linkId, connectionId: input.connectionId, runId: input.fromRunId, revokedAt: null },
    data: { runId: input.toRunId },
  });
  if (count > 0)
    await recordAuditEvent(db, {
      actor: input.actor,
      action: "handoff.repinned",
      connectionId: input.connectionId,
      runId: input.toRunId,
      detail: { linkId: input.linkId, fromRunId: input.fromRunId },
    });
  return count > 0;
}

/**
 * Withdraws every hand-off link of the account still within its lifetime, used or not (support revoked the customer's
 * access): an unused one can no longer be opened, and a colleague's session opened by a used one may no longer act.
 */
export async function revokeAccountHandoffLinks(db: Db, input: { accountId: string; actor: AuditActor; now?: Date }): Promise<number> {
  const now = input.now ?? new Date();
  const { count } = await db.handoffLink.updateMany({
    where: { accountId: input.accountId, revokedAt: null, expiresAt: { gt: now } },
    data: { revokedAt: now },
  });
  if (count > 0) await recordAuditEvent(db, { actor: input.actor, action: "handoff.revoked", accountId: input.accountId, detail: { count } });
  return count;
}

/** The links of a connection, newest first, for the first admin's page (no token: it is not stored). */
export async function listHandoffLinks(db: Db, input: { accountId: string; connectionId: string; now?: Date }) {
  const now = input.now ?? new Date();
  const rows = await db.handoffLink.findMany({
    where: { accountId: input.accountId, connectionId: input.connectionId },
    orderBy: { createdAt: "desc" },
    take: 20,
    select: { id: true, steps: true, requiredRole: true, createdAt: true, expiresAt: true, usedAt: true, revokedAt: true },
  });
  return rows.map((r) => ({
    ...r,
    state: r.revokedAt ? ("revoked" as const) : r.usedAt ? ("used" as const) : r.expiresAt <= now ? ("expired" as const) : ("open" as const),
  }));
}
