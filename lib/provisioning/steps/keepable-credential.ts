import "server-only";
import type { StepContext } from "./step-context";

/** A kept credential must stay valid at least this long; one closer to its end is replaced even by a repair. */
export const KEEP_CREDENTIAL_MIN_VALID_MS = 30 * 86_400_000;

export type KeepableCredential = { id: string; keyId: string; hint: string | null; expiresAt: Date | null };

/**
 * The connection's live app credential of `kind` when a repair may keep it: active here, still on the app at Microsoft
 * (one of `keyIdsAtMicrosoft`, compared as the GUIDs they are), and valid for at least KEEP_CREDENTIAL_MIN_VALID_MS.
 * Null otherwise, or when the run does not keep credentials (a new one is then made).
 */
export async function findKeepableCredential(
  ctx: StepContext,
  kind: "clientSecret" | "certificateKey",
  keyIdsAtMicrosoft: string[] | null,
): Promise<KeepableCredential | null> {
  if (ctx.options.secret !== "keep" || !keyIdsAtMicrosoft) return null;
  const active = await ctx.db.secret.findFirst({
    where: { connectionId: ctx.connection.id, kind, status: "active", microsoftKeyId: { not: null } },
    orderBy: { createdAt: "desc" },
    select: { id: true, microsoftKeyId: true, hint: true, expiresAt: true },
  });
  const keyId = active?.microsoftKeyId;
  if (!active || !keyId || !keyIdsAtMicrosoft.some((k) => k.toLowerCase() === keyId.toLowerCase())) return null;
  if (active.expiresAt && active.expiresAt.getTime() - ctx.now().getTime() < KEEP_CREDENTIAL_MIN_VALID_MS) return null;
  return { id: active.id, keyId, hint: active.hint, expiresAt: active.expiresAt };
}
