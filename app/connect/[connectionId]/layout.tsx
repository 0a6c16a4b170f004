import { loadJourney } from "@/lib/connect/journey-view";

/**
 * Checks the session and that the connection is the session's account's before anything streams, so a foreign or
 * unknown id answers 404 (app/connect/not-found.tsx) and a missing session redirects, with the right status codes.
 * The pages read the same request-cached journey.
 */
export default async function ConnectionLayout({ children, params }: { children: React.ReactNode; params: Promise<{ connectionId: string }> }) {
  await loadJourney((await params).connectionId);
  return children;
}
