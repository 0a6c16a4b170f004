"use server";
import { redirect } from "next/navigation";
import { journeyPath } from "@/lib/connect/journey-page";
import { getPortalEngine } from "@/lib/connect/engine";
import { startMigrationPlan } from "@/lib/connect/legacy";
import { canMoveToOAuth } from "@/lib/connect/move-to-oauth";
import { authorizeRequest } from "@/lib/connect/authorize";
import { adminActor } from "@/lib/sessions/current-session";
import { firstProblem, type FormState } from "@/lib/core/forms";
import { migrateInputSchema } from "../legacy/legacy.schema";

/** Move to OAuth: validates, then asks the engine for the migrate plan (nothing is written yet) and shows it. */
export async function moveToOAuthAction(connectionId: string, _previous: FormState, form: FormData): Promise<FormState> {
  const parsed = migrateInputSchema.safeParse({ confirm: form.get("confirm") ?? undefined });
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const who = await authorizeRequest(connectionId, "chooseEnvironment");
  if (!who.ok) return { status: "error", message: who.error.userMessage };
  const { session, connection } = who.value;
  if (!canMoveToOAuth(connection)) return { status: "error", message: "Only a connected user-name-and-password connection can be moved to OAuth." };
  const started = await startMigrationPlan(getPortalEngine(), { portalSession: session, connection, actor: adminActor(session) });
  if (!started.ok) return { status: "error", message: started.error.userMessage };
  redirect(journeyPath(connection.id, "plan"));
}
