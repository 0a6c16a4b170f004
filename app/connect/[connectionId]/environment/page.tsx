import type { Metadata } from "next";
import { EnvironmentPicker } from "@/components/connect/environment-picker";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { OtherWaysToConnect } from "@/components/connect/other-ways-to-connect";
import { normaliseEnvironmentUrl } from "@/lib/deep-link/launch-link";
import { listAdminEnvironments } from "@/lib/connect/admin-environments";
import { ensureMayOpen, ensurePage, loadJourney } from "@/lib/connect/journey-view";
import { chooseEnvironmentAction } from "./environment.action";
import { Notice } from "@/components/ui/notice";

export const metadata: Metadata = { title: "Choose the environment · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

export default async function EnvironmentPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ again?: string }>;
}) {
  const { connectionId } = await params;
  const { again } = await searchParams;
  const journey = await loadJourney(connectionId);
  ensureMayOpen(journey, "chooseEnvironment");
  // "Start over" from the status page: a connection with no run in flight may pick its environment again (signed in).
  const startingOver = again === "1" && journey.signedIn && (journey.page === "status" || journey.page === "sync");
  if (!startingOver) ensurePage(journey, ["environment", "plan"]);
  const listed = await listAdminEnvironments(journey.connection.id);
  const environments = listed.ok ? listed.value : [];
  const listProblem = !listed.ok
    ? `Microsoft did not list your environments: ${listed.error.userMessage}`
    : environments.length === 0
      ? "Microsoft lists no Dynamics 365 environment for your account. Paste the environment's URL instead."
      : null;
  // Act-On's link may name the environment it knows for this account; one Microsoft does not list is only suggested.
  const hint = journey.session.environmentHint;
  const choices = environments.map((e) => ({
    url: e.url,
    name: e.name,
    region: e.region,
    isUserSysAdmin: e.isUserSysAdmin,
    namedByActOn: !!hint && normaliseEnvironmentUrl(e.url) === hint,
  }));
  const failedPlan =
    journey.latestRun && !journey.latestRun.approved && journey.latestRun.status === "failed" ? journey.connection.lastErrorMessage : null;
  return (
    <JourneyFrame
      current="environment"
      title="Which Dynamics 365 environment should Act-On connect to?"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        startingOver ? (
          <p>
            Starting over: choose the environment again. The portal checks everything afresh and creates a new client secret; your current connection
            keeps working until the new setup is verified.
          </p>
        ) : (
          <p>These are the environments Microsoft lists for you. Nothing is changed yet: next you see the plan.</p>
        )
      }
    >
      {failedPlan ? <Notice tone="error">The last plan could not be prepared: {failedPlan}</Notice> : null}
      <EnvironmentPicker
        environments={choices}
        listProblem={listProblem}
        unlistedSuggestion={hint && !choices.some((c) => c.namedByActOn) ? hint : null}
        action={chooseEnvironmentAction.bind(null, journey.connection.id)}
      />
      <OtherWaysToConnect connectionId={journey.connection.id} />
    </JourneyFrame>
  );
}
