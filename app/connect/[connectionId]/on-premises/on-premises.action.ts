"use server";
import { redirect } from "next/navigation";
import { authorizeRequest } from "@/lib/connect/authorize";
import { getPortalEngine } from "@/lib/connect/engine";
import { journeyPath } from "@/lib/connect/journey-page";
import { connectOnPremises, discoverOnPremises } from "@/lib/connect/on-premises";
import { fieldErrorsOf } from "@/lib/core/forms";
import { onPremisesInputSchema, onPremisesServerSchema, type OnPremisesFormState } from "./on-premises.schema";

/**
 * Step one (`intent=discover`): check the address and ask the server how it signs in, before any credential is typed.
 * Step two (`intent=connect`): start the connection and send the browser to the checklist, which follows the run;
 * an address refused before any run starts comes back on the form. `intent=change` goes back to step one.
 */
export async function connectOnPremisesAction(connectionId: string, previous: OnPremisesFormState, form: FormData): Promise<OnPremisesFormState> {
  const intent = String(form.get("intent") ?? "discover");
  const raw = {
    serverUrl: String(form.get("serverUrl") ?? ""),
    username: String(form.get("username") ?? ""),
    password: String(form.get("password") ?? ""),
    adfsClientId: String(form.get("adfsClientId") ?? ""),
    signIn: previous.discovered?.kind ?? "",
  };
  const values = { serverUrl: raw.serverUrl, username: raw.username, adfsClientId: raw.adfsClientId || previous.values.adfsClientId };
  if (intent === "change") return { status: "idle", values };
  const authorized = await authorizeRequest(connectionId, "onPremises");
  if (!authorized.ok) return { status: "error", message: authorized.error.userMessage, values, code: authorized.error.code };
  const engine = getPortalEngine();

  if (intent !== "connect" || !previous.discovered) {
    const server = onPremisesServerSchema.safeParse(raw);
    if (!server.success)
      return { status: "error", message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(server.error), values, code: "invalid_input" };
    const found = await discoverOnPremises(engine, server.data.serverUrl);
    if (!found.ok)
      return {
        status: "error",
        message: found.error.userMessage,
        fieldErrors: { serverUrl: [found.error.userMessage] },
        values,
        code: found.error.code,
      };
    return { status: "idle", values: { ...values, serverUrl: found.serverUrl }, discovered: found.signIn };
  }

  const discovered = previous.discovered;
  const parsed = onPremisesInputSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      status: "error",
      message: "Check the highlighted fields.",
      fieldErrors: fieldErrorsOf(parsed.error),
      values,
      discovered,
      code: "invalid_input",
    };
  }
  const who = authorized.value;
  const { signIn, adfsClientId, ...input } = parsed.data;
  const result = await connectOnPremises(engine, who, { ...input, ...(signIn === "adfs" ? { adfsClientId } : {}) });
  if (!result.ok)
    return {
      status: "error",
      message: result.error.userMessage,
      fieldErrors: result.field ? { [result.field]: [result.error.userMessage] } : undefined,
      values,
      discovered,
      code: result.error.code,
    };
  redirect(journeyPath(who.connection.id, "progress"));
}
