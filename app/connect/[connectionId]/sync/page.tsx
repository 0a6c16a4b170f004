import type { Metadata } from "next";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { SyncOptionsForm } from "@/components/connect/sync-options-form";
import { ensureMayOpen, ensurePage, loadJourney } from "@/lib/connect/journey-view";
import { saveSyncOptionsAction } from "./sync.action";
import { syncOptionsOrDefaults } from "@/lib/connections/sync-options.schema";

export const metadata: Metadata = { title: "Sync options · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

export default async function SyncPage({ params }: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await params;
  const journey = await loadJourney(connectionId);
  ensureMayOpen(journey, "saveSyncOptions");
  ensurePage(journey, ["sync", "status"]);
  return (
    <JourneyFrame
      current="sync"
      title="Choose what syncs"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        <p>Your connection is active. These are Act-On&apos;s sync options for it; the defaults suit most accounts, and you can change them later.</p>
      }
    >
      <SyncOptionsForm
        initial={syncOptionsOrDefaults(journey.connection.syncOptions)}
        action={saveSyncOptionsAction.bind(null, journey.connection.id)}
      />
    </JourneyFrame>
  );
}
