"use server";
/**
 * The plan page's actions. Next.js checks each action request's Origin against the host (CSRF); each then validates
 * its input with zod before anything is read, authorizes the session for the action, and calls one use case.
 */
import { redirect } from "next/navigation";
import { approvePlan } from "@/lib/connect/approve";
import { authorizeRequest } from "@/lib/connect/authorize";
import { changeEnvironment } from "@/lib/connect/choose-environment";
import { recheckPlan } from "@/lib/connect/recheck-plan";
import { firstProblem, formFields, type FormState } from "@/lib/core/forms";
import { approveFormSchema, runFormSchema } from "../form-schemas";

/** Approves the plan and starts the run at once; a different role choice first recomputes the plan to review. */
export async function approvePlanAction(connectionId: string, _state: FormState, form: FormData): Promise<FormState> {
  const parsed = approveFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const who = await authorizeRequest(connectionId, "approvePlan");
  if (!who.ok) return { status: "error", message: who.error.userMessage };
  const approved = await approvePlan(who.value, parsed.data);
  if (!approved.ok) return { status: "error", message: approved.error.userMessage };
  redirect(approved.value.next);
}

/** Computes the plan again for the same environment (after the admin fixed a blocker). */
export async function recheckPlanAction(connectionId: string, form: FormData): Promise<void> {
  const parsed = runFormSchema.safeParse(formFields(form));
  const who = await authorizeRequest(connectionId, "recheckPlan");
  if (!who.ok) redirect("/");
  redirect(await recheckPlan(who.value, parsed.success ? parsed.data.runId : null));
}

/** Throws the plan away and goes back to where this kind of run chooses its environment. */
export async function changeEnvironmentAction(connectionId: string, form: FormData): Promise<void> {
  const parsed = runFormSchema.safeParse(formFields(form));
  const who = await authorizeRequest(connectionId, "changeEnvironment");
  if (!who.ok || !parsed.success) redirect("/");
  redirect(await changeEnvironment(who.value, parsed.data.runId));
}
