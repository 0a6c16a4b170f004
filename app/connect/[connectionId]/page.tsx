import { redirect } from "next/navigation";
import { journeyPath } from "@/lib/connect/journey-page";
import { loadJourney } from "@/lib/connect/journey-view";

export const dynamic = "force-dynamic";

/** The connection's address: always sends the admin to the page its server state calls for (reload-safe). */
export default async function ConnectionIndex({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ signin?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const { signin } = await searchParams;
  const journey = await loadJourney(connectionId);
  // A sign-in that did not complete (?signin=<outcome> from /auth/callback) is explained on the page the admin lands on:
  // the sign-in page for a first connection, the status page or the checklist when they signed in to repair or retry.
  const explains = journey.page === "sign-in" || journey.page === "status" || journey.page === "progress";
  const outcome = typeof signin === "string" && /^[a-z_]{1,32}$/.test(signin) && explains ? `?signin=${signin}` : "";
  redirect(journeyPath(journey.connection.id, journey.page) + outcome);
}
