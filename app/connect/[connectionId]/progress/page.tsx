import { SignInNotice } from "@/app/auth/sign-in-notice";
import type { Metadata } from "next";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { LiveChecklist } from "@/components/connect/live-checklist";
import { toChecklist } from "@/lib/connect/checklist";
import { checklistWayOn, journeyPath } from "@/lib/connect/journey-page";
import { ensurePage, loadJourney } from "@/lib/connect/journey-view";
import { retryRunAction } from "./retry.action";

export const metadata: Metadata = { title: "Connecting · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

export default async function ProgressPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ signin?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const { signin } = await searchParams;
  const journey = await loadJourney(connectionId);
  // The checklist of the latest approved run; once it succeeded it stays viewable (with the way on to sync options).
  const approvedRun = journey.latestRun?.approved && journey.run ? journey.run : null;
  if (!approvedRun) ensurePage(journey, ["progress"]);
  const id = journey.connection.id;
  // A re-check ("Re-run verification") of a connection that exists, not a setup: said so, and what broke is repaired
  // from the status page (retrying only checks again).
  const recheck = approvedRun?.kind === "verify";
  const wayOn = checklistWayOn(
    id,
    { kind: approvedRun!.kind, mode: journey.runMode },
    {
      isHandoff: journey.isHandoff,
      hasSyncOptions: journey.connection.syncOptions != null,
    },
  );
  const disconnecting = approvedRun?.kind === "disconnect";
  return (
    <JourneyFrame
      current="progress"
      title={
        recheck ? "Checking your Dynamics connection" : disconnecting ? "Disconnecting Dynamics 365 from Act-On" : "Connecting Dynamics 365 to Act-On"
      }
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        journey.isHandoff ? (
          <p>Each step updates here as it happens, acting as you. Your colleague follows the same checklist on their page.</p>
        ) : recheck ? (
          <p>Act-On signs in to Dynamics 365 with the connection&apos;s stored credential, as it does to sync. Nothing is changed at Microsoft.</p>
        ) : (
          <p>Each step updates here as it happens. You can close this page: the setup carries on, and the link from Act-On brings you back.</p>
        )
      }
    >
      <SignInNotice outcome={signin} tenant={journey.connection.tenantId} />
      <LiveChecklist
        initial={toChecklist(approvedRun!, { adminSignedIn: journey.signedIn })}
        stateUrl={`${journeyPath(id, "progress")}/state`}
        retryAction={retryRunAction.bind(null, id)}
        continueHref={wayOn.continueHref}
        continueLabel={wayOn.continueLabel}
        doneNote={
          journey.isHandoff
            ? "Thank you: that was everything your colleague asked for. They see this on their own page; you can close this tab."
            : undefined
        }
        signInHref={journeyPath(id, "sign-in")}
        alternative={wayOn.alternative}
      />
    </JourneyFrame>
  );
}
