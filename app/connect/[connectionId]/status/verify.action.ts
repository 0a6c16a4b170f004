"use server";
import { redirect } from "next/navigation";
import { authorizeRequest, refusalOfferPath } from "@/lib/connect/authorize";
import { verifyConnection } from "@/lib/connect/verify";

/** Re-run verification with the stored credential (nothing changes at Microsoft); the checklist follows it. */
export async function verifyConnectionAction(connectionId: string): Promise<void> {
  const who = await authorizeRequest(connectionId, "verify");
  if (!who.ok) redirect(refusalOfferPath(connectionId, who.error));
  redirect(await verifyConnection(who.value));
}
