import type { Metadata } from "next";
import { ShieldCheck } from "lucide-react";
import { SignInNotice } from "@/app/auth/sign-in-notice";
import { Button } from "@/components/ui/button";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { OtherWaysToConnect } from "@/components/connect/other-ways-to-connect";
import { journeyPath } from "@/lib/connect/journey-page";
import { ensureMayOpen, loadJourney } from "@/lib/connect/journey-view";
import { getDb } from "@/lib/core/db";
import { findHandoffBrief } from "@/lib/handoff/handoff-for-plan";
import { SignInPermissionList } from "@/components/connect/sign-in-permission-list";
import { SignInOtherOrganization } from "@/components/connect/sign-in-other-organization";
import { SignInStartForm } from "@/components/connect/sign-in-start-form";

export const metadata: Metadata = { title: "Sign in with Microsoft · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/**
 * The journey's sign-in step: what the portal will ask Microsoft for (one plain line per permission) and one button
 * that starts the sign-in (POST /auth/sign-in/start, origin-checked). A sign-in that did not complete comes back here
 * with `?signin=<outcome>`.
 */
export default async function SignInPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ signin?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const { signin } = await searchParams;
  const journey = await loadJourney(connectionId);
  ensureMayOpen(journey, "signIn");
  const brief =
    journey.isHandoff && journey.session.handoff
      ? await findHandoffBrief(getDb(), { linkId: journey.session.handoff.linkId, connectionId: journey.connection.id })
      : null;
  return (
    <JourneyFrame
      current="sign-in"
      title="Sign in with Microsoft"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        journey.isHandoff ? (
          <p>
            {brief?.askedBy ?? "A colleague"} asked for your help connecting Dynamics 365 to Act-On: their account lacks{" "}
            {brief?.requiredRole ? <strong>{brief.requiredRole}</strong> : "a role the setup needs"}. Sign in with <strong>your own</strong> Microsoft
            account that has it; the portal then shows you only the steps they asked you for.
          </p>
        ) : (
          <p>
            Use a Microsoft account that administers your organization&apos;s directory and your Dynamics 365 environment (for example a Global
            Administrator). The portal acts as you, only for this setup, and shows you its plan before it changes anything.
          </p>
        )
      }
    >
      <SignInNotice outcome={signin} tenant={journey.connection.tenantId} />
      {journey.signedIn ? (
        <div className="rounded-lg border border-emerald-300 bg-emerald-50 p-4">
          <p>
            You are signed in as <strong>{journey.session.microsoft?.username}</strong>.
          </p>
          <Button asChild className="mt-3">
            <a href={journeyPath(journey.connection.id, journey.page)}>Continue</a>
          </Button>
        </div>
      ) : null}
      <section aria-labelledby="permissions-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="permissions-heading" className="flex items-center gap-2 text-lg font-semibold">
          <ShieldCheck aria-hidden className="h-5 w-5 text-blue-700" /> What Microsoft will ask you to allow
        </h2>
        <SignInPermissionList />
        <p className="mt-4 text-sm text-slate-700">
          Nothing is changed in your tenant until you approve the plan. Your Microsoft sign-in is kept encrypted on Act-On&apos;s servers, never in
          your browser, and is forgotten when the connection is verified or you sign out.
        </p>
        <SignInStartForm className="mt-5" />
        {journey.connection.tenantId ? null : <SignInOtherOrganization className="mt-5 text-sm" />}
      </section>
      <OtherWaysToConnect connectionId={journey.connection.id} />
    </JourneyFrame>
  );
}
