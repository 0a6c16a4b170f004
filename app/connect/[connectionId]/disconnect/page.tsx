import type { Metadata } from "next";
import Link from "next/link";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { previewDisconnect } from "@/lib/connect/disconnect";
import { getPortalEngine } from "@/lib/connect/engine";
import { authorizePage } from "@/lib/connect/authorize";
import { disconnectAction } from "./disconnect.action";
import { DisconnectForm } from "./disconnect-form";

export const metadata: Metadata = { title: "Disconnect Dynamics 365 · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/** Disconnect: a confirmation that lists exactly what will be removed, then done through the engine. */
export default async function DisconnectPage(props: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await props.params;
  const who = await authorizePage(connectionId, "disconnect");
  const { session, connection } = who;
  if (connection.status === "disconnected") {
    return (
      <JourneyFrame
        current="status"
        title="Disconnected"
        accountName={session.accountName}
        signedInAs={session.microsoft?.username}
        intro={<p>Act-On no longer holds any credential for {connection.environmentUrl ?? "this environment"}.</p>}
      >
        {session.returnTo ? (
          <p>
            <Button asChild>
              <a href="/return-to-acton">Return to Act-On</a>
            </Button>
          </p>
        ) : null}
      </JourneyFrame>
    );
  }
  const preview = await previewDisconnect(getPortalEngine(), who);
  return (
    <JourneyFrame
      current="status"
      title="Disconnect Dynamics 365 from Act-On"
      accountName={session.accountName}
      signedInAs={session.microsoft?.username}
    >
      <section aria-labelledby="removed" className="space-y-2">
        <h2 id="removed" className="text-xl font-semibold">
          What will be removed
        </h2>
        <ul className="list-disc space-y-1 pl-6 text-slate-900">
          {preview.secrets.length === 0 ? <li>Act-On holds no stored credential for this connection.</li> : null}
          {preview.secrets.map((s, i) => (
            <li key={i}>
              {s.kind === "clientSecret"
                ? `The client secret${s.hint ? ` beginning ${s.hint}…` : ""}, at Microsoft and here`
                : s.kind === "certificateKey"
                  ? `The certificate${s.hint ? ` with thumbprint ${s.hint}…` : ""}, at Microsoft, and its private key here`
                  : "The stored password"}
            </li>
          ))}
        </ul>
        <p className="text-slate-700">
          Always removed. Act-On stops syncing with {connection.environmentUrl ?? "Dynamics 365"} at once; your Dynamics data is not touched.
        </p>
      </section>
      {preview.needsMicrosoftSignIn && !preview.signedIn ? (
        <Notice tone="warning" announce={false}>
          Removing the app&apos;s credential at Microsoft acts as you, with your own Microsoft sign-in:{" "}
          <Button asChild variant="link">
            <Link href="/auth/sign-in">sign in with Microsoft</Link>
          </Button>{" "}
          first.
        </Notice>
      ) : (
        <DisconnectForm
          action={disconnectAction.bind(null, connection.id)}
          canDisableUser={!!preview.applicationUser}
          canDeleteApp={!!preview.appRegistration}
          actonConnector={preview.actonConnector}
        />
      )}
    </JourneyFrame>
  );
}
