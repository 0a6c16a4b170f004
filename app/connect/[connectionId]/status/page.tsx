import type { Metadata } from "next";
import { CheckCircle2, AlertTriangle } from "lucide-react";
import { JourneyFrame } from "@/components/journey/journey-frame";
import { buttonClass } from "@/components/journey/button-class";
import { SubmitButton } from "@/components/journey/submit-button";
import { roleLabel } from "@/lib/journey/checklist";
import { journeyPath } from "@/lib/journey/journey-page";
import { loadJourney } from "@/lib/journey/load-journey";
import { canMoveToOAuth } from "@/lib/paths/move-to-oauth";
import { repairConnectionAction } from "../actions";
import { MoveToOAuth } from "../migrate/move-to-oauth";
import { SCORE_TARGETS, syncOptionsOrDefaults } from "../sync/sync-options.schema";

export const metadata: Metadata = { title: "Connection status · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

const STATUS_LABELS: Record<string, string> = {
  draft: "Not connected yet",
  provisioning: "Being set up",
  actionRequired: "Needs your action",
  active: "Active",
  failed: "Failed",
  disconnected: "Disconnected",
};

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const when = (iso: string | null) => (iso ? `${dateFormat.format(new Date(iso))} UTC` : "Not yet");

export default async function StatusPage({ params }: { params: Promise<{ connectionId: string }> }) {
  const { connectionId } = await params;
  const journey = await loadJourney(connectionId);
  const c = journey.connection;
  const active = c.status === "active";
  const sync = c.syncOptions ? syncOptionsOrDefaults(c.syncOptions) : null;
  const rows: [string, string][] = [
    ["State", STATUS_LABELS[c.status] ?? c.status],
    ["Environment", c.environmentName ? `${c.environmentName} (${c.environmentUrl})` : (c.environmentUrl ?? "Not chosen yet")],
    ["Microsoft tenant", c.tenantDomain ? `${c.tenantDomain} (${c.tenantId})` : (c.tenantId ?? "Not known yet")],
    ["App (client) id", c.clientId ?? "Not created yet"],
    ["Security role", roleLabel(c.securityRole) ?? "Not assigned yet"],
    ["Last verified", when(c.lastVerifiedAt)],
    ["Client secret expires", when(c.secretExpiresAt)],
  ];
  if (sync) {
    rows.push([
      "Sync",
      `${(["leads", "contacts", "accounts"] as const).filter((k) => sync.records[k]).join(", ")}; score to ${SCORE_TARGETS.find((t) => t.value === sync.score.target)?.label.toLowerCase()}; every ${sync.schedule.intervalHours} hours`,
    ]);
  }
  return (
    <JourneyFrame
      current="status"
      title={active ? "Dynamics 365 is connected" : "Connection status"}
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
    >
      <div
        role="status"
        className={`flex items-center gap-3 rounded-lg border p-4 ${active ? "border-emerald-300 bg-emerald-50" : "border-amber-300 bg-amber-50"}`}
      >
        {active ? (
          <CheckCircle2 aria-hidden className="h-6 w-6 text-emerald-700" />
        ) : (
          <AlertTriangle aria-hidden className="h-6 w-6 text-amber-700" />
        )}
        <p className="font-medium">
          {active
            ? "Act-On can now reach your Dynamics 365 environment with its own app and application user."
            : (c.lastErrorMessage ?? "The connection is not active yet.")}
        </p>
      </div>
      <dl className="grid gap-x-6 gap-y-3 rounded-lg border border-slate-200 bg-white p-5 sm:grid-cols-2">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt className="text-sm text-slate-600">{label}</dt>
            <dd className="font-medium break-all">{value}</dd>
          </div>
        ))}
      </dl>
      {canMoveToOAuth(c) ? <MoveToOAuth connectionId={c.id} /> : null}
      <section aria-labelledby="breaks-heading" className="space-y-2 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="breaks-heading" className="text-lg font-semibold">
          If something breaks
        </h2>
        <ul className="list-disc space-y-1 pl-6 text-slate-800">
          <li>
            Act-On says it cannot reach Dynamics: open this page again from Act-On (Settings › Connectors › CRM › MS Dynamics) and choose{" "}
            <strong>Reconnect</strong>; the portal checks each piece and repairs only what is missing.
          </li>
          <li>
            The client secret expires on the date above. Act-On reminds you a month before; reconnecting creates a new one and removes the old one
            only after the new one works.
          </li>
          <li>
            Do not delete the “Act-On Integration” app registration in Microsoft Entra or its application user in Dynamics 365: Act-On signs in with
            them.
          </li>
          <li>Contact Act-On support with the connection id {c.id}; support can see each step and Microsoft&apos;s request ids.</li>
        </ul>
      </section>
      {journey.session.returnTo ? (
        <p>
          {/* Signed at the moment of the click by /return-to-acton: the outcome never sits in the page. */}
          <a href="/return-to-acton" className={buttonClass()}>
            Return to Act-On
          </a>
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        {active ? (
          <a href={journeyPath(c.id, "sync")} className={buttonClass("secondary")}>
            Change sync options
          </a>
        ) : null}
        {active && journey.signedIn ? (
          <form action={repairConnectionAction.bind(null, c.id)}>
            <SubmitButton variant="secondary" pendingLabel="Reading what exists…">
              Check and repair the connection
            </SubmitButton>
          </form>
        ) : active ? (
          <a href={journeyPath(c.id, "sign-in")} className={buttonClass("secondary")}>
            Sign in with Microsoft to check and repair
          </a>
        ) : null}
        {journey.latestRun?.approved ? (
          <a href={journeyPath(c.id, "progress")} className={buttonClass("secondary")}>
            See the setup checklist
          </a>
        ) : null}
      </div>
    </JourneyFrame>
  );
}
