import { redirect } from "next/navigation";
import { journeyPath } from "@/lib/journey/journey-page";
import { loadJourney } from "@/lib/journey/load-journey";

export const dynamic = "force-dynamic";

/** The connection's address: always sends the admin to the page its server state calls for (reload-safe). */
export default async function ConnectionIndex({ params }: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await params;
  const journey = await loadJourney(connectionId);
  redirect(journeyPath(journey.connection.id, journey.page));
}
