"use server";
import { redirect } from "next/navigation";
import { authorizeRequest } from "@/lib/connect/authorize";
import { getPortalEngine } from "@/lib/connect/engine";
import { journeyPath } from "@/lib/connect/journey-page";
import { connectOnPremises } from "@/lib/connect/on-premises";
import { fieldErrorsOf } from "@/lib/core/forms";
import { onPremisesInputSchema, type OnPremisesFormState } from "./on-premises.schema";

/**
 * Starts the on-premises connection and sends the browser to the checklist, which follows the run (its wait, the
 * server's answer); an address refused before any run starts comes back on the form.
 */
export async function connectOnPremisesAction(connectionId: string, _previous: OnPremisesFormState, form: FormData): Promise<OnPremisesFormState> {
  const raw = {
    serverUrl: String(form.get("serverUrl") ?? ""),
    username: String(form.get("username") ?? ""),
    password: String(form.get("password") ?? ""),
  };
  const values = { serverUrl: raw.serverUrl, username: raw.username };
  const parsed = onPremisesInputSchema.safeParse(raw);
  if (!parsed.success) {
    return { status: "error", message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values, code: "invalid_input" };
  }
  const authorized = await authorizeRequest(connectionId, "onPremises");
  if (!authorized.ok) return { status: "error", message: authorized.error.userMessage, values, code: authorized.error.code };
  const who = authorized.value;
  const result = await connectOnPremises(getPortalEngine(), who, parsed.data);
  if (!result.ok)
    return {
      status: "error",
      message: result.error.userMessage,
      fieldErrors: result.field ? { [result.field]: [result.error.userMessage] } : undefined,
      values,
      code: result.error.code,
    };
  redirect(journeyPath(who.connection.id, "progress"));
}
