"use server";
import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { journeyPath } from "@/lib/journey/journey-page";
import { getConnectionForViewer, getPortalEngine } from "@/lib/journey/portal-engine";
import { startMigrationPlan } from "@/lib/paths/legacy-path";
import { canMoveToOAuth } from "@/lib/paths/move-to-oauth";
import { requireSessionConnection } from "@/lib/paths/session-connection";
import { adminActor } from "@/lib/sessions/current-session";
import { firstProblem, type FormState } from "@/lib/core/forms";
import { migrateInputSchema } from "../legacy/legacy.schema";

/** Move to OAuth: validates, then asks the engine for the migrate plan (nothing is written yet) and shows it. */
export async function moveToOAuthAction(connectionId: string, _previous: FormState, form: FormData): Promise<FormState> {
  const parsed = migrateInputSchema.safeParse({ confirm: form.get("confirm") ?? undefined });
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const { session } = await requireSessionConnection(connectionId);
  const found = await getConnectionForViewer(getDb(), connectionId, { kind: "account", accountId: session.accountId });
  if (!found.ok) return { status: "error", message: found.error.userMessage };
  const connection = found.value;
  if (!canMoveToOAuth(connection)) return { status: "error", message: "Only a connected user-name-and-password connection can be moved to OAuth." };
  const started = await startMigrationPlan(getPortalEngine(), { portalSession: session, connection, actor: adminActor(session) });
  if (!started.ok) return { status: "error", message: started.error.userMessage };
  redirect(journeyPath(connection.id, "plan"));
}
