"use server";
import { redirect } from "next/navigation";
import { authorizeRequest, refusalOfferPath } from "@/lib/connect/authorize";
import { startOver } from "@/lib/connect/start-over";

/** Start over: the environment picker again, then a full plan (the working connection stays until it is replaced). */
export async function startOverAction(connectionId: string): Promise<void> {
  const who = await authorizeRequest(connectionId, "startOver");
  if (!who.ok) redirect(refusalOfferPath(connectionId, who.error));
  redirect(await startOver(who.value));
}
