"use server";
import { redirect } from "next/navigation";
import { z } from "zod";
import { authorizeRequest } from "@/lib/connect/authorize";
import { disconnect } from "@/lib/connect/disconnect";
import { getPortalEngine } from "@/lib/connect/engine";
import { journeyPath } from "@/lib/connect/journey-page";
import { firstProblem, formFields, type FormState } from "@/lib/core/forms";

const formSchema = z.object({
  confirm: z.literal("yes", { error: "Confirm the disconnection with the button below the list." }),
  disableApplicationUser: z.enum(["on"]).optional(),
  deleteApp: z.enum(["on"]).optional(),
});

/** The person confirmed the list: the disconnect run starts, and the checklist follows it to the end. */
export async function disconnectAction(connectionId: string, _previous: FormState, form: FormData): Promise<FormState> {
  const parsed = formSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const authorized = await authorizeRequest(connectionId, "disconnect");
  if (!authorized.ok) return { status: "error", message: authorized.error.userMessage };
  const who = authorized.value;
  const started = await disconnect(getPortalEngine(), who, {
    removeApplicationUser: parsed.data.disableApplicationUser === "on",
    deleteAppRegistration: parsed.data.deleteApp === "on",
  });
  if (!started.ok) return { status: "error", message: started.error.userMessage };
  redirect(journeyPath(who.connection.id, "progress"));
}
