"use server";
import { redirect } from "next/navigation";
import { authorizeRequest } from "@/lib/connect/authorize";
import { chooseEnvironment } from "@/lib/connect/choose-environment";
import { journeyPath } from "@/lib/connect/journey-page";
import { fieldErrorsOf, firstProblem, formFields, type FormState } from "@/lib/core/forms";
import { environmentFormSchema } from "../form-schemas";

/** The environment picker's submit: the plan for the chosen environment, then the plan page. */
export async function chooseEnvironmentAction(connectionId: string, _state: FormState, form: FormData): Promise<FormState> {
  const parsed = environmentFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error), fieldErrors: fieldErrorsOf(parsed.error) };
  const who = await authorizeRequest(connectionId, "chooseEnvironment");
  if (!who.ok) return { status: "error", message: who.error.userMessage };
  const started = await chooseEnvironment(who.value, parsed.data.environment);
  if (!started.ok) return { status: "error", message: started.error.userMessage };
  redirect(journeyPath(who.value.connection.id, "plan"));
}
