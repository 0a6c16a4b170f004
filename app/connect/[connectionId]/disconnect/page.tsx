import type { Metadata } from "next";
import Link from "next/link";
import { previewDisconnect } from "@/lib/paths/disconnect-connection";
import { requireSessionConnection } from "@/lib/paths/session-connection";
import { disconnectAction } from "./disconnect.action";
import { DisconnectForm } from "./disconnect-form";

export const metadata: Metadata = { title: "Disconnect Dynamics 365 · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/** Disconnect: a confirmation that lists exactly what will be removed, then done through the engine. */
export default async function DisconnectPage(props: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await props.params;
  const { session, connection } = await requireSessionConnection(connectionId);
  if (connection.status === "disconnected") {
    return (
      <div className="space-y-4">
        <h1 className="text-3xl font-bold tracking-tight">Disconnected</h1>
        <p className="text-lg text-slate-700">Act-On no longer holds any credential for {connection.environmentUrl ?? "this environment"}.</p>
        {session.returnTo ? (
          <p>
            <a href="/return-to-acton" className="font-semibold text-blue-700 underline">
              Return to Act-On
            </a>
          </p>
        ) : null}
      </div>
    );
  }
  const preview = await previewDisconnect(connection.id);
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-bold tracking-tight">Disconnect Dynamics 365 from Act-On</h1>
      <section aria-labelledby="removed" className="space-y-2">
        <h2 id="removed" className="text-xl font-semibold">
          What will be removed
        </h2>
        <ul className="list-disc space-y-1 pl-6 text-slate-900">
          {preview.secrets.length === 0 ? <li>Act-On holds no stored credential for this connection.</li> : null}
          {preview.secrets.map((s, i) => (
            <li key={i}>
              {s.kind === "clientSecret" ? `The client secret${s.hint ? ` beginning ${s.hint}…` : ""}, at Microsoft and here` : "The stored password"}
            </li>
          ))}
        </ul>
        <p className="text-slate-700">
          Always removed. Act-On stops syncing with {connection.environmentUrl ?? "Dynamics 365"} at once; your Dynamics data is not touched.
        </p>
      </section>
      {preview.needsMicrosoftSignIn && !preview.signedIn ? (
        <p className="rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-950">
          Removing the client secret at Microsoft acts as you:{" "}
          <Link href="/auth/sign-in" className="font-semibold text-blue-700 underline">
            sign in with Microsoft
          </Link>{" "}
          first.
        </p>
      ) : (
        <DisconnectForm
          action={disconnectAction.bind(null, connection.id)}
          canDisableUser={!!preview.applicationUser}
          canDeleteApp={!!preview.appRegistration}
        />
      )}
    </div>
  );
}
