import { SignInNotice } from "@/app/auth/sign-in-notice";
import type { Metadata } from "next";
import { CheckCircle2, AlertTriangle, Activity, Wrench } from "lucide-react";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { Button } from "@/components/ui/button";
import { SubmitButton } from "@/components/ui/submit-button";
import { statusRows } from "@/lib/connect/status-rows";
import { journeyPath } from "@/lib/connect/journey-page";
import { ensureMayOpen, loadJourney, type Journey } from "@/lib/connect/journey-view";
import { canMoveToOAuth } from "@/lib/connect/move-to-oauth";
import { repairConnectionAction } from "./repair.action";
import { startOverAction } from "./start-over.action";
import { verifyConnectionAction } from "./verify.action";
import { MoveToOAuth } from "../migrate/move-to-oauth";
import { SCORE_TARGETS, syncOptionsOrDefaults } from "@/lib/connections/sync-options.schema";
import { Notice } from "@/components/ui/notice";
import { isUnfinished } from "@/lib/domain/run/machine";
import { healthNoticeFor, type HealthNotice, type HealthWay } from "@/lib/connect/health-notice";

export const metadata: Metadata = { title: "Connection status · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const when = (iso: string | null) => (iso ? `${dateFormat.format(new Date(iso))} UTC` : "Not yet");

const OFFER_PROBLEMS: Record<string, string> = {
  conflict: "A setup run is already in progress for this connection. Follow it on the checklist, or try again when it has finished.",
  unauthorized: "Sign in with Microsoft first: this acts in your organization as you.",
  forbidden: "Sign in with an account of the connection's Microsoft tenant.",
  read_only:
    "This link from Act-On only shows the connection's status. To change the connection, open Dynamics 365 in Act-On's settings and choose Connect or Reconnect.",
};

export default async function StatusPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ offer?: string; signin?: string | string[] }>;
}) {
  const { connectionId } = await params;
  const { offer, signin } = await searchParams;
  const journey = await loadJourney(connectionId);
  ensureMayOpen(journey, "statusPage");
  const c = journey.connection;
  const offerProblem = typeof offer === "string" ? (OFFER_PROBLEMS[offer] ?? "That did not start. Reload the page and try again.") : null;
  const active = c.status === "active";
  // A `status` link from Act-On only looks: nothing on the page offers a change (the actions refuse it too).
  const readOnly = journey.session.intent === "status";
  const sync = c.syncOptions ? syncOptionsOrDefaults(c.syncOptions) : null;
  const health = healthNoticeFor(c);
  const rows = statusRows(c, when);
  const onPremises = c.authMode === "onprem";
  if (sync) {
    rows.push([
      "Sync",
      `${(["leads", "contacts", "accounts"] as const).filter((k) => sync.records[k]).join(", ")}; score to ${SCORE_TARGETS.find((t) => t.value === sync.score.target)?.label.toLowerCase()}; every ${sync.schedule.intervalHours} hours`,
    ]);
  }
  return (
    <JourneyFrame
      current="status"
      title={health?.tone === "error" ? "Your Dynamics 365 connection needs attention" : active ? "Dynamics 365 is connected" : "Connection status"}
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
    >
      <SignInNotice outcome={signin} tenant={journey.connection.tenantId} />
      {health ? (
        <HealthNoticePanel notice={health} readOnly={readOnly} offered={offeredWays(journey, readOnly)} />
      ) : (
        <Notice tone={active ? "success" : "warning"} size="md">
          <p className="flex items-center gap-3 font-medium">
            {active ? (
              <CheckCircle2 aria-hidden className="h-6 w-6 shrink-0 text-emerald-700" />
            ) : (
              <AlertTriangle aria-hidden className="h-6 w-6 shrink-0 text-amber-700" />
            )}
            {active
              ? onPremises
                ? "Act-On can now reach your Dynamics 365 server as the domain user below."
                : "Act-On can now reach your Dynamics 365 environment with its own app and application user."
              : (c.lastErrorMessage ?? "The connection is not active yet.")}
          </p>
        </Notice>
      )}
      <dl className="grid gap-x-6 gap-y-3 rounded-lg border border-slate-200 bg-white p-5 sm:grid-cols-2">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt className="text-sm text-slate-600">{label}</dt>
            <dd className="font-medium break-all">{value}</dd>
          </div>
        ))}
      </dl>
      {readOnly ? (
        <Notice tone="info" data-testid="read-only">
          This link from Act-On shows the connection&apos;s status only. To change the connection, open Dynamics 365 in Act-On&apos;s settings and
          choose Connect or Reconnect.
        </Notice>
      ) : null}
      {canMoveToOAuth(c) && !readOnly ? <MoveToOAuth connectionId={c.id} /> : null}
      <section aria-labelledby="breaks-heading" className="space-y-2 rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="breaks-heading" className="text-lg font-semibold">
          If something breaks
        </h2>
        <ul className="list-disc space-y-1 pl-6 text-slate-800">
          <li>
            Act-On says it cannot reach Dynamics: open this page again from Act-On (Settings › Connectors › CRM › MS Dynamics) and choose{" "}
            <strong>Reconnect</strong>; the portal checks each piece and repairs only what is missing.
          </li>
          {c.credentialRenewal ? <li>{c.credentialRenewal}</li> : null}
          {onPremises ? (
            <li>
              Act-On signs in as the domain user above: if its password changes or expires, or it is removed from Dynamics 365, reconnect from Act-On
              with its current details.
            </li>
          ) : c.credentialMode === "connector" ? (
            <li>
              Do not remove the “Act-On Connector” enterprise application in Microsoft Entra or its application user in Dynamics 365: Act-On signs in
              with them.
            </li>
          ) : (
            <li>
              Do not delete the “Act-On Integration” app registration in Microsoft Entra or its application user in Dynamics 365: Act-On signs in with
              them.
            </li>
          )}
          <li>Contact Act-On support with the connection id {c.id}; support can see each step and Microsoft&apos;s request ids.</li>
        </ul>
      </section>
      {journey.session.returnTo ? (
        <p>
          {/* Signed at the moment of the click by /return-to-acton: the outcome never sits in the page. */}
          <Button asChild>
            <a href="/return-to-acton">Return to Act-On</a>
          </Button>
        </p>
      ) : null}
      {offerProblem ? <Notice tone="error">{offerProblem}</Notice> : null}
      {readOnly ? null : <ReconnectOfferings journey={journey} recommended={health?.way} />}
      <div className="flex flex-wrap gap-3">
        {active && !readOnly ? (
          <Button asChild variant="secondary">
            <a href={journeyPath(c.id, "sync")}>Change sync options</a>
          </Button>
        ) : null}
        {journey.latestRun?.approved ? (
          <Button asChild variant="secondary">
            <a href={journeyPath(c.id, "progress")}>See the setup checklist</a>
          </Button>
        ) : null}
        {c.status !== "draft" && c.status !== "disconnected" && !readOnly ? (
          <Button asChild variant="secondary">
            <a href={`/connect/${encodeURIComponent(c.id)}/disconnect`}>Disconnect</a>
          </Button>
        ) : null}
      </div>
    </JourneyFrame>
  );
}

const WAY_LINKS: Record<Exclude<HealthWay, "wait">, { href: string; label: string }> = {
  repair: { href: "#offer-repair", label: "Go to Plan the repair" },
  startOver: { href: "#offer-start-over", label: "Go to Start over" },
  verify: { href: "#offer-verify", label: "Go to Re-run verification" },
};

/** The fixes this page offers right now (the offers below: none for a read-only link or while a run is under way). */
function offeredWays(journey: Journey, readOnly: boolean): HealthWay[] {
  const c = journey.connection;
  if (readOnly || (journey.latestRun && isUnfinished(journey.latestRun.status))) return [];
  return c.authMode === "cloud" && c.clientId ? ["verify", "repair", "startOver"] : ["verify"];
}

/** What the last health probe found, in the admin's words, with the fix and the way to it on this page. */
function HealthNoticePanel({ notice, readOnly, offered }: { notice: HealthNotice; readOnly: boolean; offered: HealthWay[] }) {
  const link = notice.way !== "wait" && offered.includes(notice.way) ? WAY_LINKS[notice.way] : null;
  return (
    <Notice tone={notice.tone} size="md" announce={false} aria-labelledby="health-heading" data-testid="health-notice">
      <h2 id="health-heading" className="flex items-center gap-3 text-lg font-semibold">
        {notice.tone === "info" ? (
          <Activity aria-hidden className="h-6 w-6 shrink-0 text-blue-700" />
        ) : (
          <AlertTriangle aria-hidden className={`h-6 w-6 shrink-0 ${notice.tone === "error" ? "text-red-700" : "text-amber-700"}`} />
        )}
        {notice.headline}
      </h2>
      <p>{notice.problem}</p>
      <p>
        <strong>What to do:</strong> {notice.fix}
      </p>
      {notice.way !== "wait" && readOnly ? (
        <p>This link from Act-On only shows the status: to fix it, open Dynamics 365 in Act-On&apos;s settings and choose Reconnect.</p>
      ) : null}
      {link ? (
        <p>
          <a href={link.href} className="font-medium text-blue-800 underline underline-offset-2">
            {link.label}
          </a>
        </p>
      ) : null}
    </Notice>
  );
}

/**
 * What a returning admin can do about a connection that exists (a `reconnect` link lands here): re-run verification
 * (no sign-in, changes nothing), repair a broken part (a plan listing only what is missing), or start over. A run in
 * flight is followed instead.
 */
function ReconnectOfferings({ journey, recommended }: { journey: Journey; recommended?: HealthWay }) {
  const c = journey.connection;
  if (c.status === "draft" || c.status === "disconnected" || c.status === "disconnecting") return null;
  const latest = journey.latestRun;
  if (latest && isUnfinished(latest.status)) {
    const page = latest.status === "awaitingApproval" || latest.status === "planning" ? "plan" : "progress";
    return (
      <section aria-labelledby="offer-heading" className="space-y-2 rounded-lg border border-blue-300 bg-blue-50 p-5">
        <h2 id="offer-heading" className="text-lg font-semibold">
          A setup run is under way
        </h2>
        <Button asChild>
          <a href={journeyPath(c.id, page)}>{page === "plan" ? "Review the plan" : "Follow the checklist"}</a>
        </Button>
      </section>
    );
  }
  const cloud = c.authMode === "cloud" && !!c.clientId;
  const words = c.credentialOffers;
  // A health probe that found a break makes an Active connection as broken as a failed one; its fix leads.
  const broken = c.status === "failed" || c.status === "actionRequired" || (recommended !== undefined && recommended !== "wait");
  const lead = (way: HealthWay, otherwise: boolean) => (recommended && recommended !== "wait" ? recommended === way : otherwise);
  const signIn = (
    <Button asChild variant="secondary">
      <a href={journeyPath(c.id, "sign-in")}>Sign in with Microsoft first</a>
    </Button>
  );
  return (
    <section aria-labelledby="offer-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="offer-heading" className="flex items-center gap-2 text-lg font-semibold">
        <Wrench aria-hidden className="h-5 w-5 text-blue-700" /> {broken ? "Fix the connection" : "Check or fix the connection"}
      </h2>
      <ul className="space-y-4">
        <li className="space-y-2" data-offer="verify" id="offer-verify">
          <h3 className="font-medium">Re-run verification</h3>
          <p className="text-sm text-slate-700">
            Signs in as Act-On does, with {words.signsInWith}, and calls WhoAmI in the environment. Nothing changes at Microsoft; the connection ends
            Active, or failed with the reason.
          </p>
          <form action={verifyConnectionAction.bind(null, c.id)}>
            <SubmitButton variant={lead("verify", !broken) ? "primary" : "secondary"} pendingLabel="Starting the check…">
              Re-run verification
            </SubmitButton>
          </form>
        </li>
        {cloud ? (
          <li className="space-y-2" data-offer="repair" id="offer-repair">
            <h3 className="font-medium">Repair a broken part</h3>
            <p className="text-sm text-slate-700">
              Reads what exists and plans only what is missing: an application user someone deleted, a consent that was withdrawn
              {words.removable ? `, ${words.removable}` : ""}. Everything that still works is kept. You see the plan before anything is written.
            </p>
            {journey.signedIn ? (
              <form action={repairConnectionAction.bind(null, c.id)}>
                <SubmitButton variant={lead("repair", broken) ? "primary" : "secondary"} pendingLabel="Reading what exists…">
                  Plan the repair
                </SubmitButton>
              </form>
            ) : (
              signIn
            )}
          </li>
        ) : null}
        {cloud ? (
          <li className="space-y-2" data-offer="start-over" id="offer-start-over">
            <h3 className="font-medium">Start over</h3>
            <p className="text-sm text-slate-700">
              Choose the environment again and set everything up afresh{words.madeAnew ? ` with ${words.madeAnew}` : ""}. The current connection keeps
              working until the new setup is verified.
            </p>
            {journey.signedIn ? (
              <form action={startOverAction.bind(null, c.id)}>
                <SubmitButton variant={lead("startOver", false) ? "primary" : "secondary"} pendingLabel="One moment…">
                  Start over
                </SubmitButton>
              </form>
            ) : (
              signIn
            )}
          </li>
        ) : null}
      </ul>
    </section>
  );
}
