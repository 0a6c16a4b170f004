import type { Metadata } from "next";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { Notice } from "@/components/ui/notice";
import { authorizePage } from "@/lib/connect/authorize";
import { connectOnPremisesAction } from "./on-premises.action";
import { OnPremisesForm } from "./on-premises-form";

export const metadata: Metadata = { title: "On-premises Dynamics 365 · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

/** The on-premises path: the server's URL and a domain user, checked over HTTP Basic; no Microsoft Entra step. */
export default async function OnPremisesPage(props: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await props.params;
  const { session, connection } = await authorizePage(connectionId, "onPremises");
  const connected = connection.authMode === "onprem" && connection.status === "active";
  return (
    <JourneyFrame
      current={connected ? "status" : "environment"}
      title="Connect an on-premises Dynamics 365 server"
      accountName={session.accountName}
      signedInAs={session.microsoft?.username}
      intro={
        connected ? null : (
          <p>
            Act-On signs in to your server&apos;s Web API with a domain user over HTTP Basic. The server must be reachable from the internet over
            HTTPS with a certificate from a public authority; Act-On refuses addresses inside private networks and never follows a redirect with the
            password.
          </p>
        )
      }
    >
      {connected ? (
        <Notice tone="success" size="md" announce={false} aria-labelledby="connected">
          <h2 id="connected" className="text-xl font-semibold text-emerald-900">
            Connected
          </h2>
          <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-slate-900">
            <dt className="font-medium">Server</dt>
            <dd>{connection.environmentUrl}</dd>
            <dt className="font-medium">User</dt>
            <dd>{connection.integrationUsername}</dd>
            <dt className="font-medium">Last verified</dt>
            <dd>{connection.lastVerifiedAt ? new Date(connection.lastVerifiedAt).toUTCString() : "—"}</dd>
          </dl>
        </Notice>
      ) : (
        <OnPremisesForm
          action={connectOnPremisesAction.bind(null, connection.id)}
          initial={{ serverUrl: connection.environmentUrl ?? "", username: connection.integrationUsername ?? "" }}
        />
      )}
    </JourneyFrame>
  );
}
