"use server";
import { redirect } from "next/navigation";
import { manualConnectionInputSchema } from "@/lib/manual-connection/manual-connection-schema";
import { proveAndSaveManualConnection } from "@/lib/connect/manual";
import { authorizeRequest } from "@/lib/connect/authorize";
import { fieldErrorsOf } from "@/lib/core/forms";
import type { ManualFormState } from "./manual.types";

/** Proves what the admin created by hand and, when everything is right, makes the connection Active. */
export async function verifyManualAction(connectionId: string, _previous: ManualFormState, form: FormData): Promise<ManualFormState> {
  const raw = {
    tenant: String(form.get("tenant") ?? ""),
    clientId: String(form.get("clientId") ?? ""),
    clientSecret: String(form.get("clientSecret") ?? ""),
    environmentUrl: String(form.get("environmentUrl") ?? ""),
  };
  const values = { tenant: raw.tenant, clientId: raw.clientId, environmentUrl: raw.environmentUrl };
  const parsed = manualConnectionInputSchema.safeParse(raw);
  if (!parsed.success) {
    return { status: "error", fieldErrors: fieldErrorsOf(parsed.error), values };
  }
  const who = await authorizeRequest(connectionId, "manual");
  if (!who.ok) {
    const problem = { title: "Not saved", fix: who.error.userMessage, field: null };
    return { status: "error", message: problem.title, problem, values };
  }
  const result = await proveAndSaveManualConnection(who.value, parsed.data);
  if (!result.ok)
    return {
      status: "error",
      message: result.problem.title,
      problem: result.problem,
      fieldErrors: result.problem.field ? { [result.problem.field]: [result.problem.title] } : undefined,
      values,
    };
  // The environment's missing Sales tables ride along so the page can say what they cost (it accepts only those).
  const missing = result.tablesMissing.length ? `?missing=${encodeURIComponent(result.tablesMissing.join(","))}` : "";
  redirect(`/connect/${who.value.connection.id}/manual${missing}`);
}
