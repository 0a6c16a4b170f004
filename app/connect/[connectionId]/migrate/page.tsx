import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInNotice } from "@/app/auth/sign-in-notice";
import { Button } from "@/components/ui/button";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { PathSignIn } from "@/components/connect/path-sign-in";
import { journeyPath } from "@/lib/connect/journey-page";
import { ensureMayOpen, loadJourney } from "@/lib/connect/journey-view";
import { canMoveToOAuth, MIGRATION_CHANGES } from "@/lib/connect/move-to-oauth";
import { moveToOAuthAction } from "./migrate.action";
import { MigrateForm } from "./migrate-form";
import { isInProgress } from "@/lib/domain/run/machine";

export const metadata: Metadata = { title: "Move to OAuth · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/**
 * Moving a user-name-and-password connection to OAuth (the engine's migrate run): what changes (the article's steps
 * 1, 4 and 5), the Microsoft sign-in if needed, then the engine's plan on the plan page, the run on the checklist.
 * The stored password is forgotten only once the new sign-in is verified (the engine's verify step does it).
 */
export default async function MigratePage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ signin?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const { signin } = await searchParams;
  const journey = await loadJourney(connectionId);
  ensureMayOpen(journey, "chooseEnvironment");
  const c = journey.connection;
  if (journey.latestRun && isInProgress(journey.latestRun.status)) redirect(journeyPath(c.id, "progress"));
  const movable = canMoveToOAuth(c);
  return (
    <JourneyFrame
      current={journey.signedIn ? "plan" : "sign-in"}
      title="Move this connection to OAuth"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        <p>
          Today Act-On signs in to Dynamics 365 with an integration user&apos;s name and password. After the move it signs in as its own app with a
          certificate: no password or client secret stored, and MFA can stay on for every user. The environment and your sync options stay as they
          are.
        </p>
      }
    >
      <SignInNotice outcome={signin} tenant={c.tenantId} />
      {!movable ? (
        <section aria-labelledby="not-movable" className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="not-movable" className="text-lg font-semibold">
            There is nothing to move
          </h2>
          <p>
            {c.authMode === "cloud"
              ? "This connection already uses OAuth: Act-On signs in as its own app."
              : c.authMode === "onprem"
                ? "This connection is to an on-premises server, which signs in with Windows authentication or AD FS and has no Microsoft Entra app to move to."
                : "Only a connected user-name-and-password connection can be moved to OAuth."}
          </p>
          <Button asChild variant="secondary">
            <a href={journeyPath(c.id, "status")}>Connection status</a>
          </Button>
        </section>
      ) : (
        <>
          <section aria-labelledby="changes-heading" className="space-y-3">
            <h2 id="changes-heading" className="text-xl font-semibold">
              What changes
            </h2>
            <ol className="space-y-3">
              {MIGRATION_CHANGES.map((change) => (
                <li key={change.step} className="rounded-lg border border-slate-200 bg-white p-4">
                  <h3 className="font-medium">
                    <span className="mr-2 rounded bg-blue-100 px-2 py-0.5 text-xs font-semibold text-blue-900">Article step {change.step}</span>
                    {change.title}
                  </h3>
                  <p className="mt-1 text-sm text-slate-800">{change.body}</p>
                </li>
              ))}
            </ol>
            <p className="text-sm text-slate-700">
              The integration user itself stays in your directory; once the move is done, Act-On no longer uses it, and you decide what happens to it.
            </p>
          </section>
          {journey.signedIn ? (
            <MigrateForm action={moveToOAuthAction.bind(null, c.id)} />
          ) : (
            <PathSignIn
              then="migrate"
              why="The portal registers the app, grants consent and creates the application user as you, so sign in with an account that administers your directory and your Dynamics 365 environment (for example a Global Administrator)."
            />
          )}
          <p>
            <a href={journeyPath(c.id, "status")} className="text-blue-800 underline underline-offset-2">
              Back to the connection&apos;s status
            </a>
          </p>
        </>
      )}
    </JourneyFrame>
  );
}
