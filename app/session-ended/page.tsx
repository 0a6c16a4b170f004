import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Your session has ended · Act-On Dynamics onboarding" };

/** Where requireSession() sends a browser without a usable session (none, idle, expired, signed out or revoked). */
export default function SessionEndedPage() {
  return (
    <div className="max-w-2xl space-y-4">
      <h1 className="text-3xl font-bold tracking-tight">Your session has ended</h1>
      <p className="text-lg text-slate-700">
        You signed out, or the session was idle too long, or it was ended by Act-On support. Nothing you started has been lost: the portal keeps every
        connection&apos;s progress.
      </p>
      <h2 className="text-xl font-semibold">What to do</h2>
      <p className="text-slate-700">
        In Act-On, open <strong>Settings › Connectors › CRM › MS Dynamics</strong> and choose <strong>Connect</strong> (or <strong>Reconnect</strong>
        ). Act-On opens the portal again where your connection stands.
      </p>
      <p>
        <Link href="/" className="text-blue-700 underline">
          What this portal does
        </Link>
      </p>
    </div>
  );
}
