"use server";
import { authorizeRequest } from "@/lib/connect/authorize";
import { createHandoffLink } from "@/lib/connect/create-handoff-link";
import { firstProblem, formFields } from "@/lib/core/forms";
import { runFormSchema } from "../form-schemas";
import type { HandoffLinkState } from "./handoff-link.types";

/** A single-use hand-off link for a colleague who holds the role the plan needs, shown once. */
export async function createHandoffLinkAction(connectionId: string, _state: HandoffLinkState, form: FormData): Promise<HandoffLinkState> {
  const parsed = runFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const who = await authorizeRequest(connectionId, "createHandoff");
  if (!who.ok) return { status: "error", message: who.error.userMessage };
  const link = await createHandoffLink(who.value, parsed.data.runId);
  return link.ok ? { status: "success", link: link.value } : { status: "error", message: link.error.userMessage };
}
