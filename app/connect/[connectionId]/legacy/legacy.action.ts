"use server";
import { redirect } from "next/navigation";
import { journeyPath } from "@/lib/connect/journey-page";
import { getPortalEngine } from "@/lib/connect/engine";
import { startLegacyPlan } from "@/lib/connect/legacy";
import { authorizeRequest } from "@/lib/connect/authorize";
import { adminActor } from "@/lib/sessions/current-session";
import { fieldErrorsOf } from "@/lib/core/forms";
import { legacyInputSchema, type LegacyFormState } from "./legacy.schema";

/**
 * The legacy form's submit: validates (zod, before anything is read or written), then asks the engine for the plan.
 * The password goes only to startRun (the engine's encrypted store); the state sent back never carries it. A plan the
 * engine refuses comes back to the legacy page, which explains it; a clean plan goes to the plan page.
 */
export async function connectLegacyAction(connectionId: string, _previous: LegacyFormState, form: FormData): Promise<LegacyFormState> {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const values = { environment: text("environment"), pastedUrl: text("pastedUrl"), integrationUsername: text("integrationUsername") };
  const parsed = legacyInputSchema.safeParse({ ...values, password: text("password"), role: text("role") || undefined });
  if (!parsed.success) return { status: "error", message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values };
  const who = await authorizeRequest(connectionId, "chooseEnvironment");
  if (!who.ok) return { status: "error", message: who.error.userMessage, values };
  const { session, connection } = who.value;
  const started = await startLegacyPlan(getPortalEngine(), {
    portalSession: session,
    connectionId: connection.id,
    actor: adminActor(session),
    choice: parsed.data,
  });
  if (!started.ok) return { status: "error", message: started.error.userMessage, values };
  redirect(started.value.refused ? `/connect/${encodeURIComponent(connection.id)}/legacy?refused=1` : journeyPath(connection.id, "plan"));
}
