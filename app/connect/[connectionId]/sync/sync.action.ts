"use server";
import { redirect } from "next/navigation";
import { syncOptionsFromForm, syncOptionsSchema } from "@/lib/connections/sync-options.schema";
import { authorizeRequest } from "@/lib/connect/authorize";
import { journeyPath } from "@/lib/connect/journey-page";
import { saveSyncOptions } from "@/lib/connect/save-sync-options";
import { fieldErrorsOf, type FormState } from "@/lib/core/forms";

/** Saves Act-On's sync options on the connection (validated by the same schema as the form). */
export async function saveSyncOptionsAction(connectionId: string, _state: FormState, form: FormData): Promise<FormState> {
  const parsed = syncOptionsSchema.safeParse(syncOptionsFromForm(form));
  if (!parsed.success) return { status: "error", message: "Some sync options need your attention.", fieldErrors: fieldErrorsOf(parsed.error) };
  const who = await authorizeRequest(connectionId, "saveSyncOptions");
  if (!who.ok) return { status: "error", message: who.error.userMessage };
  const saved = await saveSyncOptions(who.value, parsed.data);
  if (!saved.ok) return { status: "error", message: saved.error.userMessage };
  redirect(journeyPath(who.value.connection.id, "status"));
}
