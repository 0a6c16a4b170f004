/**
 * The support console's list of connections: the search and filter input (one zod schema shared by the route and the
 * page), the keyset cursor and the row type. Pure, so the console's client components can import labels and types.
 */
import { z } from "zod";
import { CONNECTION_STATUSES, type ConnectionStatus } from "../domain/connection/status";
import { STEP_NAMES, STEP_LABELS, type StepName } from "../domain/run/machine";
import { HEALTH_CAUSES, HEALTH_STATES, type HealthCause, type HealthState } from "../domain/connection/health-machine";

export const AUTH_MODES = ["cloud", "legacy", "onprem"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const SUPPORT_SORTS = ["updated", "secretExpiry"] as const;
export type SupportSort = (typeof SUPPORT_SORTS)[number];

export const AUTH_MODE_LABELS: Record<AuthMode, string> = {
  cloud: "Cloud (client secret)",
  legacy: "Legacy (integration user)",
  onprem: "On-premises (Basic)",
};

export const SORT_LABELS: Record<SupportSort, string> = {
  updated: "Recently updated first",
  secretExpiry: "Secret expiring soonest first",
};

export function stepLabel(step: string | null): string | null {
  if (!step) return null;
  return (STEP_LABELS as Record<string, string>)[step] ?? step;
}

/** A query string's empty field (`?status=`) means "not set", as a form submits it. */
const blankAsUnset = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

export const supportConnectionSearchSchema = z.object({
  /** Act-On account id (exact) or name (starts with), tenant id (exact) or domain (starts with), environment URL or host (starts with). */
  q: blankAsUnset(
    z.string().trim().min(2, "Type at least 2 characters to search.").max(200, "The search is too long (200 characters at most).").optional(),
  ),
  status: blankAsUnset(z.enum(CONNECTION_STATUSES, { message: `status must be one of ${CONNECTION_STATUSES.join(", ")}` }).optional()),
  authMode: blankAsUnset(z.enum(AUTH_MODES, { message: `authMode must be one of ${AUTH_MODES.join(", ")}` }).optional()),
  failingStep: blankAsUnset(z.enum(STEP_NAMES, { message: `failingStep must be one of ${STEP_NAMES.join(", ")}` }).optional()),
  health: blankAsUnset(z.enum(HEALTH_STATES, { message: `health must be one of ${HEALTH_STATES.join(", ")}` }).optional()),
  healthCause: blankAsUnset(z.enum(HEALTH_CAUSES, { message: `healthCause must be one of ${HEALTH_CAUSES.join(", ")}` }).optional()),
  /** Connections whose client secret has expired or expires within this many days. */
  secretExpiresWithinDays: blankAsUnset(
    z.coerce
      .number({ message: "secretExpiresWithinDays must be a number of days" })
      .int("secretExpiresWithinDays must be a whole number of days")
      .min(0)
      .max(730)
      .optional(),
  ),
  sort: blankAsUnset(z.enum(SUPPORT_SORTS, { message: `sort must be one of ${SUPPORT_SORTS.join(", ")}` }).default("updated")),
  cursor: blankAsUnset(z.string().max(512).optional()),
  limit: blankAsUnset(z.coerce.number().int().min(1).max(100).default(50)),
});
export type SupportConnectionSearch = z.infer<typeof supportConnectionSearchSchema>;

export type SupportConnectionRow = {
  id: string;
  account: { id: string; actonAccountId: string; name: string };
  status: ConnectionStatus;
  authMode: AuthMode;
  environmentUrl: string | null;
  environmentName: string | null;
  tenantId: string | null;
  tenantDomain: string | null;
  failingStep: StepName | null;
  failingErrorCode: string | null;
  /** Null until the connection is first probed. */
  health: { state: HealthState; cause: HealthCause | null; checkedAt: string | null } | null;
  lastVerifiedAt: string | null;
  secretExpiresAt: string | null;
  updatedAt: string;
};

export type SupportConnectionPage = { rows: SupportConnectionRow[]; nextCursor: string | null };

/** The position after the last row of a page: its sort value and id (ids break ties). Opaque to clients. */
export type SupportCursor = { sort: SupportSort; at: string; id: string };

export function encodeCursor(cursor: SupportCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.at, cursor.id])).toString("base64url");
}

const cursorTupleSchema = z.tuple([z.enum(SUPPORT_SORTS), z.iso.datetime(), z.string().min(1).max(64)]);

/** Null for a cursor that was not made by `encodeCursor`, or that belongs to another sort order. */
export function decodeCursor(raw: string, sort: SupportSort): SupportCursor | null {
  try {
    const parsed = cursorTupleSchema.safeParse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
    if (!parsed.success || parsed.data[0] !== sort) return null;
    return { sort: parsed.data[0], at: parsed.data[1], id: parsed.data[2] };
  } catch {
    return null;
  }
}

/**
 * The bounds of a case-insensitive "starts with" search as a range on the lower-cased column: every string that
 * starts with `prefix` sorts at or after it and before `prefix` followed by the highest code point, in byte order
 * (SQLite's BINARY collation and PostgreSQL's "C" collation, which the console's indexes use).
 */
export function prefixRange(prefix: string): { from: string; to: string } {
  const from = prefix.toLowerCase();
  return { from, to: `${from}\u{10FFFF}` };
}

/** What an environment URL search compares: the URL as stored (`https://host/…`) from whatever was pasted. */
export function environmentUrlPrefix(term: string): string {
  const trimmed = term.trim().toLowerCase();
  return /^https?:\/\//.test(trimmed) ? trimmed.replace(/^http:\/\//, "https://") : `https://${trimmed}`;
}
