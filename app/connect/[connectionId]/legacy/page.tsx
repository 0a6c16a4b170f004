import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AlertOctagon, KeyRound } from "lucide-react";
import { SignInNotice } from "@/app/auth/sign-in-notice";
import { Button } from "@/components/ui/button";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { OtherWaysToConnect } from "@/components/connect/other-ways-to-connect";
import { PathSignIn } from "@/components/connect/path-sign-in";
import { getDb } from "@/lib/core/db";
import { listAdminEnvironments } from "@/lib/connect/admin-environments";
import { journeyPath } from "@/lib/connect/journey-page";
import { ensureMayOpen, loadJourney } from "@/lib/connect/journey-view";
import { findLegacyRefusal } from "@/lib/connect/legacy";
import { explainLegacyRefusal, WAY_OUT_TEXT } from "@/lib/connect/legacy-refusal";
import { canMoveToOAuth } from "@/lib/connect/move-to-oauth";
import { ROLE_CHOICES } from "../form-schemas";
import { connectLegacyAction } from "./legacy.action";
import { LegacyForm } from "./legacy-form";
import { Notice } from "@/components/ui/notice";
import { isInProgress } from "@/lib/domain/run/machine";

export const metadata: Metadata = { title: "Connect with a user name and password · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/**
 * The cloud legacy path (user name and password): Microsoft sign-in as for the recommended path, the environment,
 * the integration user and their password; then the engine's plan on the plan page. A plan the engine refuses (MFA,
 * security defaults, a missing role) is explained here, with the ways out, before anything is written.
 */
export default async function LegacyPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ role?: string | string[]; signin?: string | string[]; refused?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const query = await searchParams;
  const journey = await loadJourney(connectionId);
  ensureMayOpen(journey, "chooseEnvironment");
  const c = journey.connection;
  if (journey.latestRun && isInProgress(journey.latestRun.status)) redirect(journeyPath(c.id, "progress"));
  const role = ROLE_CHOICES.find((r) => r === query.role) ?? "leastPrivilege";
  const base = `/connect/${encodeURIComponent(c.id)}`;
  const connected = !["draft", "failed", "disconnected"].includes(c.status);
  const refusalFacts = !connected ? await findLegacyRefusal(getDb(), c.id) : null;
  const refusal = refusalFacts ? explainLegacyRefusal(refusalFacts.blockers, refusalFacts.integrationUsername) : null;
  const listed = journey.signedIn && !connected ? await listAdminEnvironments(c.id) : null;
  const environments = listed?.ok ? listed.value.map((e) => ({ url: e.url, name: e.name })) : [];
  const listProblem =
    listed && !listed.ok
      ? `Microsoft did not list your environments: ${listed.error.userMessage}`
      : listed && environments.length === 0
        ? "Microsoft lists no Dynamics 365 environment for your account. Paste the environment's URL."
        : null;

  return (
    <JourneyFrame
      current={journey.signedIn ? "environment" : "sign-in"}
      title="Connect with a user name and password (legacy)"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        <p>
          Act-On signs in to Dynamics 365 as an integration user, with their password. The portal registers the “Act-On Integration” app with
          public-client sign-in turned on, grants it consent and creates its application user, then checks that the user can sign in. Use this only
          for an account that must keep it: the{" "}
          <a href={base} className="text-blue-800 underline underline-offset-2">
            recommended way
          </a>{" "}
          stores no password.
        </p>
      }
    >
      <SignInNotice outcome={query.signin} tenant={c.tenantId} />
      {connected ? (
        <section aria-labelledby="legacy-connected" className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="legacy-connected" className="text-lg font-semibold">
            This connection is already set up
          </h2>
          <p>
            {c.authMode === "legacy"
              ? "It signs in with a user name and password. You can move it to OAuth, which stores no password."
              : "It does not use a user name and password. To change how it signs in, disconnect it first."}
          </p>
          <div className="flex flex-wrap gap-3">
            {canMoveToOAuth(c) ? (
              <Button asChild>
                <a href={`${base}/migrate`}>Move to OAuth</a>
              </Button>
            ) : null}
            <Button asChild variant="secondary">
              <a href={journeyPath(c.id, "status")}>Connection status</a>
            </Button>
          </div>
        </section>
      ) : (
        <>
          <section aria-labelledby="mfa-heading" className="space-y-2 rounded-lg border border-slate-200 bg-slate-50 p-5">
            <h2 id="mfa-heading" className="flex items-center gap-2 text-lg font-semibold">
              <KeyRound aria-hidden className="h-5 w-5 text-blue-700" /> The integration user must not need MFA
            </h2>
            <p>
              A password sign-in cannot answer a multi-factor authentication (MFA) prompt. Before anything is written, the portal checks whether MFA
              is enforced for the user and whether your tenant uses security defaults. Reading a user&apos;s MFA state needs the Global Administrator,
              Global Reader or Authentication Policy Administrator role: without one, the plan says it could not tell, and an MFA user would only be
              found at the final check, after the app was registered.
            </p>
            <p>Act-On never asks you to turn MFA off for your administrators.</p>
          </section>
          {refusal ? (
            <Notice tone="error" size="md" announce={!!query.refused} aria-labelledby="refusal-heading" data-refusal={refusal.mfa ? "mfa" : "other"}>
              <h2 id="refusal-heading" className="flex items-center gap-2 text-lg font-semibold text-red-900">
                <AlertOctagon aria-hidden className="h-5 w-5" /> {refusal.title}
              </h2>
              <ul className="list-disc space-y-2 pl-6">
                {refusal.problems.map((p) => (
                  <li key={p.key}>{p.text}</li>
                ))}
              </ul>
              <p className="font-medium">Nothing has been written at Microsoft, and the password you entered has been forgotten.</p>
              <h3 className="font-semibold">What you can do</h3>
              <ul className="list-disc space-y-2 pl-6">
                {refusal.waysOut.map((w) => (
                  <li key={w}>
                    {WAY_OUT_TEXT[w]}
                    {w === "recommended" ? (
                      <>
                        {" "}
                        <Button asChild variant="link">
                          <a href={base}>Connect the recommended way</a>
                        </Button>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            </Notice>
          ) : null}
          {journey.signedIn ? (
            <section aria-labelledby="legacy-form-heading" className="space-y-3">
              <h2 id="legacy-form-heading" className="text-xl font-semibold">
                {refusal ? "Try another integration user" : "Environment and integration user"}
              </h2>
              {role === "systemAdministrator" ? (
                <Notice tone="info">
                  You chose System Administrator for the application user. Enter the password again to see the updated plan: the portal keeps a
                  password only for the plan it was given for.
                </Notice>
              ) : null}
              <LegacyForm
                action={connectLegacyAction.bind(null, c.id)}
                environments={environments}
                listProblem={listProblem}
                initial={{ environment: refusalFacts?.environment ?? c.environmentUrl ?? "", pastedUrl: "", integrationUsername: "" }}
                role={role}
              />
            </section>
          ) : (
            <PathSignIn
              then="legacy"
              why="The portal registers the app and creates the application user as you, so sign in with an account that administers your directory and your Dynamics 365 environment (for example a Global Administrator). The integration user comes next."
            />
          )}
          <OtherWaysToConnect connectionId={c.id} exclude={["legacy"]} />
        </>
      )}
    </JourneyFrame>
  );
}
