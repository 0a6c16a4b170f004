"use server";
import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { journeyPath } from "@/lib/journey/journey-page";
import { getConnectionForViewer, getPortalEngine } from "@/lib/journey/portal-engine";
import { startMigrationPlan } from "@/lib/paths/legacy-path";
import { canMoveToOAuth } from "@/lib/paths/move-to-oauth";
import { requireSessionConnection } from "@/lib/paths/session-connection";
import { adminActor } from "@/lib/sessions/current-session";
import { migrateInputSchema } from "../legacy/legacy.schema";

export type MigrateFormState = { error: string | null };

/** Move to OAuth: validates, then asks the engine for the migrate plan (nothing is written yet) and shows it. */
export async function moveToOAuthAction(connectionId: string, _previous: MigrateFormState, form: FormData): Promise<MigrateFormState> {
  const parsed = migrateInputSchema.safeParse({ confirm: form.get("confirm") ?? undefined });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Use the Move to OAuth button." };
  const { session } = await requireSessionConnection(connectionId);
  const found = await getConnectionForViewer(getDb(), connectionId, { kind: "account", accountId: session.accountId });
  if (!found.ok) return { error: found.error.userMessage };
  const connection = found.value;
  if (!canMoveToOAuth(connection)) return { error: "Only a connected user-name-and-password connection can be moved to OAuth." };
  const started = await startMigrationPlan(getPortalEngine(), { portalSession: session, connection, actor: adminActor(session) });
  if (!started.ok) return { error: started.error.userMessage };
  redirect(journeyPath(connection.id, "plan"));
}
