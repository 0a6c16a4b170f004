import type { Metadata } from "next";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { CopyValue } from "@/components/ui/copy-button";
import { Notice } from "@/components/ui/notice";
import { authorizePage } from "@/lib/connect/authorize";
import { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES, missingTablesNote } from "@/lib/connect/manual";
import { verifyManualAction } from "./manual.action";
import { ManualForm } from "./manual-form";

export const metadata: Metadata = { title: "Set up Act-On by hand · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

const APP_NAME = "Act-On Integration";

/**
 * The manual path, for admins who will not let the portal act in their tenant: the steps in our own words with a
 * copy button for every value, then a form for what they made, which the portal proves before connecting.
 */
export default async function ManualPage(props: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ missing?: string | string[] }>;
}) {
  const { connectionId } = await props.params;
  const { missing } = await props.searchParams;
  const { session, connection } = await authorizePage(connectionId, "manual");
  const connected = connection.status === "active" && connection.authMode === "cloud" && connection.clientId;
  const missingNote = connected && typeof missing === "string" ? missingTablesNote(missing.split(",")) : null;
  return (
    <JourneyFrame
      current={connected ? "status" : "environment"}
      title="Set up Act-On by hand"
      accountName={session.accountName}
      signedInAs={session.microsoft?.username}
      intro={
        <p>
          You do each step yourself in Microsoft&apos;s admin centers; the portal only checks the result. It takes about 15 minutes and needs a Global
          Administrator (or Application Administrator) and a System Administrator of the Dynamics 365 environment.
        </p>
      }
    >
      {connected ? (
        <Notice tone="success" size="md" announce={false} aria-labelledby="connected">
          <h2 id="connected" className="text-xl font-semibold text-emerald-900">
            Connected
          </h2>
          <p className="text-slate-900">
            Act-On signed in as app {connection.clientId} and read every table it syncs {missingNote ? "that the environment has " : ""}in{" "}
            {connection.environmentUrl}.
          </p>
          {missingNote ? (
            <p className="text-slate-900" data-testid="missing-tables">
              {missingNote}
            </p>
          ) : null}
        </Notice>
      ) : null}
      <ol className="max-w-3xl list-decimal space-y-6 pl-6 text-slate-900">
        <li className="space-y-2">
          <h2 className="text-xl font-semibold">Register the app</h2>
          <p>
            In the Microsoft Entra admin center, open App registrations › New registration. Name: <CopyValue value={APP_NAME} label="app name" />.
            Supported account types: <CopyValue value="Accounts in this organizational directory only" label="supported account types" />. Leave the
            redirect URI empty: Act-On signs in as the app itself, so no redirect is used.
          </p>
        </li>
        <li className="space-y-2">
          <h2 className="text-xl font-semibold">Add the Dynamics CRM permission and approve it</h2>
          <p>
            In the app, open API permissions › Add a permission › <CopyValue value="Dynamics CRM" label="API name" /> › Delegated permissions ›{" "}
            <CopyValue value="user_impersonation" label="permission" />. Then choose Grant admin consent for your organization.
          </p>
        </li>
        <li className="space-y-2">
          <h2 className="text-xl font-semibold">Create a client secret</h2>
          <p>
            In Certificates &amp; secrets › New client secret, describe it as <CopyValue value="Act-On" label="secret description" /> and pick an
            expiry, and note its date: the portal cannot see when a secret you made yourself ends, so paste a new one here before then. Copy the
            secret&apos;s <strong>Value</strong> at once: Microsoft shows it only now.
          </p>
        </li>
        <li className="space-y-2">
          <h2 className="text-xl font-semibold">Create the security role</h2>
          <p>
            In the Power Platform admin center, open your environment › Settings › Users + permissions › Security roles › New role, named{" "}
            <CopyValue value={LEAST_PRIVILEGE_ROLE_NAME} label="role name" />, with these privileges at Organization level (or assign System
            Administrator instead):
          </p>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Privileges of the {LEAST_PRIVILEGE_ROLE_NAME} role</caption>
            <thead>
              <tr>
                <th scope="col" className="py-1 pr-4">
                  Privilege
                </th>
                <th scope="col" className="py-1">
                  Why Act-On needs it
                </th>
              </tr>
            </thead>
            <tbody>
              {LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => (
                <tr key={p.name} className="border-t border-slate-200">
                  <td className="py-1 pr-4">
                    <CopyValue value={p.name} label={`privilege ${p.name}`} />
                  </td>
                  <td className="py-1">{p.feature}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </li>
        <li className="space-y-2">
          <h2 className="text-xl font-semibold">Create the application user</h2>
          <p>
            In the same environment, open Settings › Users + permissions › Application users › New app user. Choose the app by its Application
            (client) ID, the root business unit, and the {LEAST_PRIVILEGE_ROLE_NAME} role.
          </p>
        </li>
        <li className="space-y-2">
          <h2 className="text-xl font-semibold">Enter what you created</h2>
          <p>The portal signs in as the app, asks Dynamics 365 who it is, and reads each table Act-On syncs. Nothing is changed in your tenant.</p>
          <ManualForm
            action={verifyManualAction.bind(null, connection.id)}
            initial={{ tenant: connection.tenantId ?? "", clientId: connection.clientId ?? "", environmentUrl: connection.environmentUrl ?? "" }}
          />
        </li>
      </ol>
    </JourneyFrame>
  );
}
