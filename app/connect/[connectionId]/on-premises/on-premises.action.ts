"use server";
import { redirect } from "next/navigation";
import { connectOnPremises } from "@/lib/paths/connect-on-premises";
import { requireSessionConnection } from "@/lib/paths/session-connection";
import { adminActor } from "@/lib/sessions/current-session";
import { fieldErrorsOf } from "@/lib/core/forms";
import { onPremisesInputSchema, type OnPremisesFormState } from "./on-premises.schema";

/** Connects the session's connection to an on-premises server over HTTP Basic; answers the form in words. */
export async function connectOnPremisesAction(connectionId: string, _previous: OnPremisesFormState, form: FormData): Promise<OnPremisesFormState> {
  const { session, connection } = await requireSessionConnection(connectionId);
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
  const result = await connectOnPremises({
    accountId: session.accountId,
    connectionId: connection.id,
    input: parsed.data,
    actor: adminActor(session),
  });
  if (!result.ok)
    return {
      status: "error",
      message: result.error.userMessage,
      fieldErrors: result.field ? { [result.field]: [result.error.userMessage] } : undefined,
      values,
      code: result.error.code,
    };
  redirect(`/connect/${connection.id}/on-premises`);
}
