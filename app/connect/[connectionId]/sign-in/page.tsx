import type { Metadata } from "next";
import { LogIn, ShieldCheck } from "lucide-react";
import { buttonClass } from "@/components/journey/button-class";
import { JourneyFrame } from "@/components/journey/journey-frame";
import { journeyPath } from "@/lib/journey/journey-page";
import { loadJourney } from "@/lib/journey/load-journey";
import { signInOutcome } from "@/lib/journey/sign-in-outcomes";
import { signInPermissionLines } from "@/lib/journey/sign-in-permissions";

export const metadata: Metadata = { title: "Sign in with Microsoft · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

export default async function SignInPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ signin?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const { signin } = await searchParams;
  const outcome = signInOutcome(typeof signin === "string" ? signin : undefined);
  const journey = await loadJourney(connectionId);
  const lines = signInPermissionLines();
  return (
    <JourneyFrame
      current="sign-in"
      title="Sign in with Microsoft"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        <p>
          Use a Microsoft account that administers your organization&apos;s directory and your Dynamics 365 environment (for example a Global
          Administrator). The portal acts as you, only for this setup, and shows you its plan before it changes anything.
        </p>
      }
    >
      {outcome ? (
        <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
          <h2 className="font-semibold">{outcome.title}</h2>
          <p className="mt-1 text-slate-800">{outcome.body}</p>
        </div>
      ) : null}
      {journey.signedIn ? (
        <div className="rounded-lg border border-emerald-300 bg-emerald-50 p-4">
          <p>
            You are signed in as <strong>{journey.session.microsoft?.username}</strong>.
          </p>
          <a href={journeyPath(journey.connection.id, journey.page)} className={`${buttonClass()} mt-3`}>
            Continue
          </a>
        </div>
      ) : null}
      <section aria-labelledby="permissions-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="permissions-heading" className="flex items-center gap-2 text-lg font-semibold">
          <ShieldCheck aria-hidden className="h-5 w-5 text-blue-700" /> What Microsoft will ask you to allow
        </h2>
        <ul className="mt-3 space-y-2 text-sm">
          {lines.map(({ permission, line }) => (
            <li key={permission}>
              <span className="font-medium">{line}</span> <span className="text-slate-600">({permission})</span>
            </li>
          ))}
        </ul>
        <p className="mt-4 text-sm text-slate-700">
          On Microsoft&apos;s consent page you may tick <em>Consent on behalf of your organization</em>; either way the portal only acts while you are
          setting up this connection, and your sign-in is forgotten once the connection is verified.
        </p>
        <a href="/auth/sign-in" className={`${buttonClass()} mt-5`}>
          <LogIn aria-hidden className="h-4 w-4" />
          Sign in with Microsoft
        </a>
      </section>
    </JourneyFrame>
  );
}
