"use server";
import { redirect } from "next/navigation";
import { authorizeRequest, refusalOfferPath } from "@/lib/connect/authorize";
import { repairConnection } from "@/lib/connect/repair";

/** Repair a broken part: a plan that lists only what is missing. */
export async function repairConnectionAction(connectionId: string): Promise<void> {
  const who = await authorizeRequest(connectionId, "repair");
  if (!who.ok) redirect(refusalOfferPath(connectionId, who.error));
  redirect(await repairConnection(who.value));
}
