import type { Metadata } from "next";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { Notice } from "@/components/ui/notice";
import { authorizePage } from "@/lib/connect/authorize";
import { suggestedAdfsClientId } from "@/lib/connect/adfs-client-id";
import { adfsRedirectUri, adfsRegistrationPowerShell } from "@/lib/connect/on-premises-sign-in-words";
import { getEnv } from "@/lib/core/env";
import { connectOnPremisesAction } from "./on-premises.action";
import { OnPremisesForm } from "./on-premises-form";

export const metadata: Metadata = { title: "On-premises Dynamics 365 · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

const SIGN_IN_WORDS: Record<string, string> = { ntlm: "Windows authentication (NTLM)", adfs: "AD FS" };

/** The on-premises path: the server's URL, asked how it signs in (Windows or AD FS), then a domain user; no Microsoft Entra step. */
export default async function OnPremisesPage(props: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await props.params;
  const { session, connection } = await authorizePage(connectionId, "onPremises");
  const connected = connection.authMode === "onprem" && connection.status === "active";
  const adfsClientId = connection.adfsClientId ?? suggestedAdfsClientId(connection.id);
  return (
    <JourneyFrame
      current={connected ? "status" : "environment"}
      title="Connect an on-premises Dynamics 365 server"
      accountName={session.accountName}
      signedInAs={session.microsoft?.username}
      intro={
        connected ? null : (
          <p>
            Act-On first asks your server how it signs users in (Windows authentication, or AD FS for an Internet-facing deployment), then signs in to
            its Web API as a domain user. The server must be reachable from the internet over HTTPS with a certificate from a public authority; Act-On
            refuses addresses inside private networks and never follows a redirect with the password.
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
            <dt className="font-medium">Sign-in</dt>
            <dd>{SIGN_IN_WORDS[connection.onPremisesSignIn ?? ""] ?? "—"}</dd>
            <dt className="font-medium">Web API</dt>
            <dd>{connection.webApiVersion ? `v${connection.webApiVersion}` : "—"}</dd>
            <dt className="font-medium">Last verified</dt>
            <dd>{connection.lastVerifiedAt ? new Date(connection.lastVerifiedAt).toUTCString() : "—"}</dd>
          </dl>
        </Notice>
      ) : (
        <OnPremisesForm
          action={connectOnPremisesAction.bind(null, connection.id)}
          initial={{ serverUrl: connection.environmentUrl ?? "", username: connection.integrationUsername ?? "", adfsClientId }}
          adfsScript={adfsRegistrationPowerShell({ clientId: adfsClientId, redirectUri: adfsRedirectUri(getEnv().PORTAL_BASE_URL) })}
        />
      )}
    </JourneyFrame>
  );
}
