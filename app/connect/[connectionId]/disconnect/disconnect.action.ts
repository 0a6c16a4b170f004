"use server";
import { redirect } from "next/navigation";
import { z } from "zod";
import { disconnectConnection } from "@/lib/paths/disconnect-connection";
import { requireSessionConnection } from "@/lib/paths/session-connection";
import { adminActor } from "@/lib/sessions/current-session";
import type { FormState } from "@/lib/core/forms";

const formSchema = z.object({ confirm: z.literal("yes"), disableApplicationUser: z.enum(["on"]).optional(), deleteApp: z.enum(["on"]).optional() });

/** The admin confirmed the list: disconnect through the engine, then show the disconnected connection. */
export async function disconnectAction(connectionId: string, _previous: FormState, form: FormData): Promise<FormState> {
  const { session, connection } = await requireSessionConnection(connectionId);
  const parsed = formSchema.safeParse({
    confirm: form.get("confirm") ?? undefined,
    disableApplicationUser: form.get("disableApplicationUser") ?? undefined,
    deleteApp: form.get("deleteApp") ?? undefined,
  });
  if (!parsed.success) return { status: "error", message: "Confirm the disconnection with the button below the list." };
  const result = await disconnectConnection({
    connectionId: connection.id,
    scope: { removeApplicationUser: parsed.data.disableApplicationUser === "on", deleteAppRegistration: parsed.data.deleteApp === "on" },
    actor: adminActor(session),
  });
  if (!result.ok) return { status: "error", message: result.error.userMessage };
  redirect(`/connect/${connection.id}/disconnect`);
}
