"use server";
import { authorizeRequest } from "@/lib/connect/authorize";
import type { RetryState } from "@/lib/connect/checklist";
import { retryRun } from "@/lib/connect/retry";
import { firstProblem, formFields } from "@/lib/core/forms";
import { runFormSchema } from "../form-schemas";

/** Retries the failed step (finished steps are not redone) and answers the checklist's fresh snapshot. */
export async function retryRunAction(connectionId: string, form: FormData): Promise<RetryState> {
  const parsed = runFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const who = await authorizeRequest(connectionId, "retryRun");
  if (!who.ok) return { status: "error", message: who.error.userMessage };
  const retried = await retryRun(who.value, parsed.data.runId);
  return retried.ok ? { status: "success", snapshot: retried.value } : { status: "error", message: retried.error.userMessage };
}
