import type { Metadata } from "next";
import { AlertOctagon, Users } from "lucide-react";
import { ApproveForm } from "@/components/connect/approve-form";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { RefreshWhileOpen } from "@/components/connect/refresh-while-open";
import { SubmitButton } from "@/components/ui/submit-button";
import { getDb } from "@/lib/core/db";
import { findHandoffBrief, missingRolesOf, type HandoffProgress } from "@/lib/handoff/handoff-for-plan";
import { redirect } from "next/navigation";
import { journeyPath } from "@/lib/connect/journey-page";
import { ensurePage, loadJourney, type Journey } from "@/lib/connect/journey-view";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "@/lib/provisioning/least-privilege-role";
import { STEP_LABELS, type StepName } from "@/lib/domain/run/machine";
import { findRunOptions } from "@/lib/domain/run/run-store";
import type { Plan, PlanAction } from "@/lib/provisioning/plan";
import { createHandoffLinkAction } from "./handoff-link.action";
import { approvePlanAction, changeEnvironmentAction, recheckPlanAction } from "./plan.action";
import { HandoffLinkForm } from "./handoff-link-form";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";

export const metadata: Metadata = { title: "Review the plan · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

const VERB_LABELS: Record<PlanAction["verb"], string> = {
  create: "Create",
  reuse: "Kept",
  update: "Change",
  remove: "Remove",
  disable: "Disable",
  delete: "Delete",
  check: "Check",
  approve: "You approve",
};

const VERB_TONE: Record<PlanAction["verb"], string> = {
  create: "bg-blue-100 text-blue-900",
  reuse: "bg-emerald-100 text-emerald-900",
  update: "bg-amber-100 text-amber-950",
  remove: "bg-red-100 text-red-900",
  disable: "bg-red-100 text-red-900",
  delete: "bg-red-100 text-red-900",
  check: "bg-slate-200 text-slate-900",
  approve: "bg-violet-100 text-violet-900",
};

/** Verbs that are work: something is written at Microsoft. `reuse` is kept as it is and `check` only reads. */
const CHANGE_VERBS = new Set<PlanAction["verb"]>(["create", "update", "remove", "disable", "delete", "approve"]);

const when = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function PlanPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ updated?: string; recheck?: string; environment?: string }>;
}) {
  const { connectionId } = await params;
  const { updated, recheck, environment } = await searchParams;
  const journey = await loadJourney(connectionId);
  // Someone watching a plan (a first admin following a hand-off) sees the run that followed it, even once it finished.
  if (journey.page !== "plan" && journey.latestRun?.approved && journey.latestRun.kind !== "disconnect")
    redirect(journeyPath(journey.connection.id, "progress"));
  ensurePage(journey, ["plan"]);
  const run = journey.run;
  const plan = run?.plan ?? null;
  const options = run ? await findRunOptions(getDb(), run.id) : null;
  const role = options?.role ?? "leastPrivilege";
  const repair = options?.secret === "keep";
  const frame = {
    current: "plan" as const,
    accountName: journey.session.accountName,
    signedInAs: journey.session.microsoft?.username,
  };
  if (!run || !plan || run.status !== "awaitingApproval") {
    return (
      <JourneyFrame {...frame} title="Preparing the plan…">
        <p role="status">
          {journey.isHandoff
            ? "There is no plan waiting for you: your colleague may have changed it. Ask them for a new hand-off link if they still need you."
            : "The portal is reading what already exists in your tenant and environment. This page updates when you reload it."}
        </p>
        {journey.handoff && !journey.isHandoff ? <RefreshWhileOpen /> : null}
      </JourneyFrame>
    );
  }
  const id = journey.connection.id;
  const recheckProblem = recheck ? "The plan could not be checked again. Reload the page and try once more." : null;
  const planView = <PlanSections plan={plan} repair={repair} />;

  if (journey.isHandoff) return <HandoffPlan journey={journey} plan={plan} runId={run.id} role={role} plannedBy={options?.requestedBy ?? null} />;

  // The first admin, whose sign-in was replaced by the colleague's: follow the hand-off (read-only) until it moves on.
  if (!journey.signedIn) {
    return (
      <JourneyFrame {...frame} title="Your colleague is finishing the setup">
        <HandoffStatus progress={journey.handoff} plannedBy={options?.requestedBy ?? null} />
        {planView}
        <RefreshWhileOpen />
      </JourneyFrame>
    );
  }

  const roles = missingRolesOf(plan);
  const handOffable = roles.length > 0 && plan.blockers.every((b) => b.need);
  return (
    <JourneyFrame
      {...frame}
      title={repair ? "Review the repair" : "Review the plan"}
      intro={
        <p>
          {repair
            ? "The portal read what exists for this connection. Only what is missing is changed; everything that still works is kept as it is. "
            : "This is what the portal will do in your Microsoft tenant and in "}
          {repair ? null : <strong>{plan.environment?.name ?? plan.environment?.url ?? "your environment"}</strong>}
          {repair ? null : ". "}
          Nothing has been written yet; it starts when you approve.
        </p>
      }
    >
      {(environment === "only" || environment === "acton") && !repair ? (
        <Notice tone="info" data-testid="environment-chosen">
          {environment === "acton" ? "Act-On named this environment for your account: " : "Microsoft lists one Dynamics 365 environment for you: "}
          <strong>{plan.environment?.name ?? "this one"}</strong>
          {plan.environment?.url ? ` (${plan.environment.url})` : null}, so the portal prepared its plan. To connect a different one, choose another
          environment below.
        </Notice>
      ) : null}
      {updated === "role" ? <Notice tone="info">The plan was updated for the security role you chose. Review it and approve.</Notice> : null}
      {recheckProblem ? <Notice tone="error">{recheckProblem}</Notice> : null}
      {plan.blockers.length ? (
        <section aria-labelledby="blockers-heading" className="rounded-lg border border-red-300 bg-red-50 p-5">
          <h2 id="blockers-heading" className="flex items-center gap-2 text-lg font-semibold text-red-900">
            <AlertOctagon aria-hidden className="h-5 w-5" /> Fix these first
          </h2>
          <ul className="mt-2 list-disc space-y-2 pl-6 text-red-950">
            {plan.blockers.map((b) => (
              <li key={`${b.code}:${b.message}`} data-blocker={b.code}>
                {b.message}
                {b.need ? (
                  <dl className="mt-1 text-sm">
                    <div>
                      <dt className="inline font-semibold">Missing role: </dt>
                      <dd className="inline" data-testid="missing-role">
                        {b.need.role}
                      </dd>
                    </div>
                    <div>
                      <dt className="inline font-semibold">Who can grant it: </dt>
                      <dd className="inline">{b.need.grantedBy}</dd>
                    </div>
                  </dl>
                ) : null}
              </li>
            ))}
          </ul>
          <p className="mt-3 text-sm text-red-950">Nothing has been written at Microsoft. Once it is fixed, check again.</p>
          <form action={recheckPlanAction.bind(null, id)} className="mt-3">
            <input type="hidden" name="runId" value={run.id} />
            <SubmitButton pendingLabel="Checking…">Check again</SubmitButton>
          </form>
        </section>
      ) : null}
      {handOffable ? (
        <section aria-labelledby="handoff-heading" className="space-y-3 rounded-lg border border-blue-300 bg-blue-50 p-5">
          <h2 id="handoff-heading" className="flex items-center gap-2 text-lg font-semibold">
            <Users aria-hidden className="h-5 w-5 text-blue-700" /> Or hand this part to a colleague
          </h2>
          <p>
            A colleague who has the role above can finish it from their own browser: they open the link, sign in with their own Microsoft account, see
            only these steps —{" "}
            {uniqueSteps(roles.flatMap((r) => r.steps))
              .map((s) => STEP_LABELS[s])
              .join("; ")}{" "}
            — and approve. This page follows their progress.
          </p>
          <HandoffStatus progress={journey.handoff} plannedBy={null} />
          <HandoffLinkForm runId={run.id} action={createHandoffLinkAction.bind(null, id)} />
          {journey.handoff?.state === "open" || journey.handoff?.state === "used" ? <RefreshWhileOpen everyMs={3000} /> : null}
        </section>
      ) : null}
      {planView}
      {!plan.blockers.length ? (
        <ApproveForm runId={run.id} role={role} privilegeCount={LEAST_PRIVILEGE_ROLE_PRIVILEGES.length} action={approvePlanAction.bind(null, id)} />
      ) : null}
      <form action={changeEnvironmentAction.bind(null, id)}>
        <input type="hidden" name="runId" value={run.id} />
        <SubmitButton variant="secondary" pendingLabel="One moment…">
          Choose another environment
        </SubmitButton>
      </form>
    </JourneyFrame>
  );
}

const uniqueSteps = (steps: StepName[]) => [...new Set(steps)].filter((s) => s !== "preconditions");

/** How the first admin's hand-off is going (the link itself is never shown again). */
function HandoffStatus({ progress, plannedBy }: { progress: HandoffProgress | null; plannedBy: string | null }) {
  if (!progress) return null;
  const text =
    progress.state === "open"
      ? `A hand-off link is waiting to be opened (it expires ${when.format(new Date(progress.expiresAt))} UTC).`
      : progress.state === "used"
        ? progress.colleague
          ? plannedBy && plannedBy.toLowerCase() === progress.colleague.toLowerCase()
            ? `${progress.colleague} prepared the plan below with their own account and is reviewing it. This page moves on to the checklist when they approve.`
            : `${progress.colleague} opened your hand-off link and signed in. This page moves on to the checklist when they approve.`
          : "Your colleague opened the hand-off link and is signing in with Microsoft."
        : progress.state === "expired"
          ? "Your last hand-off link expired unused. Create a new one if you still need a colleague."
          : "Your last hand-off link was withdrawn.";
  return (
    <p role="status" data-testid="handoff-status" className="rounded-md border border-blue-200 bg-white p-3 text-sm">
      {text}
    </p>
  );
}

/** The plan as work and no-work: what will change, what is kept as it is, and what is only checked. */
function PlanSections({ plan, repair }: { plan: Plan; repair: boolean }) {
  const changes = plan.steps
    .map((step) => ({ ...step, actions: step.actions.filter((a) => CHANGE_VERBS.has(a.verb)) }))
    .filter((s) => s.actions.length);
  const kept = plan.steps.flatMap((step) => step.actions.filter((a) => a.verb === "reuse").map((action) => ({ step, action })));
  const checks = plan.steps.flatMap((step) => step.actions.filter((a) => a.verb === "check").map((action) => ({ step, action })));
  return (
    <>
      <section aria-labelledby="plan-heading" className="space-y-4">
        <h2 id="plan-heading" className="text-xl font-semibold">
          {repair ? "What the repair changes" : "What will happen"}
        </h2>
        {changes.length ? (
          <ol className="space-y-3" data-testid="plan-changes">
            {changes.map((step) => (
              <li key={step.step} className="rounded-lg border border-slate-200 bg-white p-4" data-plan-step={step.step}>
                <h3 className="font-medium">{step.label}</h3>
                <ul className="mt-2 space-y-2 text-sm">
                  {step.actions.map((action, i) => (
                    <ActionRow key={i} action={action} />
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        ) : plan.blockers.length ? (
          <p className="rounded-md border border-slate-200 bg-white p-3">The full plan is read once the problems above are fixed.</p>
        ) : (
          <Notice tone="success">Nothing needs to change: everything Act-On needs is in place. Approving runs the final check.</Notice>
        )}
      </section>
      {kept.length ? (
        <section aria-labelledby="kept-heading" className="space-y-2">
          <h2 id="kept-heading" className="text-lg font-semibold">
            Kept as it is
          </h2>
          <ul className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="plan-kept">
            {kept.map(({ step, action }, i) => (
              <ActionRow key={i} action={action} stepLabel={step.label} />
            ))}
          </ul>
        </section>
      ) : null}
      {checks.length ? (
        <section aria-labelledby="checks-heading" className="space-y-2">
          <h2 id="checks-heading" className="text-lg font-semibold">
            Checked (read only)
          </h2>
          <ul className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="plan-checks">
            {checks.map(({ step, action }, i) => (
              <ActionRow key={i} action={action} stepLabel={step.label} />
            ))}
          </ul>
        </section>
      ) : null}
      {plan.notes.length ? (
        <ul className="list-disc space-y-1 pl-6 text-sm text-slate-700">
          {plan.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function ActionRow({ action, stepLabel }: { action: PlanAction; stepLabel?: string }) {
  return (
    <li className="flex flex-wrap items-start gap-2" data-verb={action.verb}>
      <span className={`rounded px-2 py-0.5 text-xs font-semibold ${VERB_TONE[action.verb]}`}>{VERB_LABELS[action.verb]}</span>
      <span className="min-w-0 flex-1">
        {action.what}
        {stepLabel ? <span className="block text-slate-600">{stepLabel}</span> : null}
        {action.detail ? <span className="block text-slate-700">{action.detail}</span> : null}
      </span>
      {action.privileges?.length ? <PrivilegeTable privileges={action.privileges} /> : null}
    </li>
  );
}

/**
 * A colleague's hand-off session: what they were asked to do, the plan checked with their own account, and approve.
 * If their account lacks the role too, it says so plainly; this browser may sign in with another account (the
 * single-use link was spent when it was opened, the hand-off session is not).
 */
async function HandoffPlan({
  journey,
  plan,
  runId,
  role,
  plannedBy,
}: {
  journey: Journey;
  plan: Plan;
  runId: string;
  role: "leastPrivilege" | "systemAdministrator";
  plannedBy: string | null;
}) {
  const id = journey.connection.id;
  const me = journey.session.microsoft?.username ?? null;
  const brief = journey.session.handoff ? await findHandoffBrief(getDb(), { linkId: journey.session.handoff.linkId, connectionId: id }) : null;
  const plannedByMe = !!me && !!plannedBy && me.toLowerCase() === plannedBy.toLowerCase();
  const roles = missingRolesOf(plan);
  const asked = (brief?.steps ?? []).filter((s) => s !== "preconditions");
  return (
    <JourneyFrame
      current="plan"
      title="Your colleague needs your help"
      accountName={journey.session.accountName}
      signedInAs={me}
      intro={
        <p>
          {brief?.askedBy ?? "A colleague"} is connecting Dynamics 365 to Act-On for <strong>{journey.session.accountName}</strong> and lacks a role
          it needs. You were asked to complete these steps with your own Microsoft account; nothing else of the connection is yours to change.
        </p>
      }
    >
      <section aria-labelledby="asked-heading" className="space-y-2 rounded-lg border border-blue-300 bg-blue-50 p-5">
        <h2 id="asked-heading" className="text-lg font-semibold">
          What you are asked to do
        </h2>
        <ul className="list-disc space-y-1 pl-6" data-testid="handoff-steps">
          {asked.map((s) => (
            <li key={s}>{STEP_LABELS[s]}</li>
          ))}
        </ul>
        {brief?.requiredRole ? (
          <p className="text-sm">
            <strong>Role this needs:</strong> {brief.requiredRole}
          </p>
        ) : null}
      </section>
      {!plannedByMe ? (
        <section aria-labelledby="check-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="check-heading" className="text-lg font-semibold">
            First, check the plan with your account
          </h2>
          <p>
            The plan was prepared with {plannedBy ? `${plannedBy}'s` : "your colleague's"} account, which lacks the role. The portal reads your tenant
            and environment again as <strong>{me}</strong>; nothing is written until you approve.
          </p>
          <form action={recheckPlanAction.bind(null, id)}>
            <input type="hidden" name="runId" value={runId} />
            <SubmitButton pendingLabel="Reading as you…">Check the plan with my account</SubmitButton>
          </form>
        </section>
      ) : plan.blockers.length ? (
        <section aria-labelledby="also-heading" className="space-y-3 rounded-lg border border-red-300 bg-red-50 p-5">
          <h2 id="also-heading" className="flex items-center gap-2 text-lg font-semibold text-red-900">
            <AlertOctagon aria-hidden className="h-5 w-5" /> Your account lacks this role too
          </h2>
          <p className="text-red-950" data-testid="handoff-also-lacks">
            {me} does not have {roles.length ? roles.map((r) => r.role).join("; nor ") : "what the plan needs"}, so you cannot complete this either.
            Nothing was written at Microsoft.
          </p>
          <ul className="list-disc space-y-1 pl-6 text-sm text-red-950">
            {plan.blockers.map((b) => (
              <li key={`${b.code}:${b.message}`}>{b.message}</li>
            ))}
          </ul>
          <p className="text-sm text-red-950">
            The link was used when you opened it, but this browser keeps the hand-off: sign in with another account that has the role, or tell your
            colleague to ask someone who has it.
          </p>
          <form method="post" action="/auth/sign-in/start">
            <Button type="submit">Sign in with another account</Button>
          </form>
        </section>
      ) : (
        <>
          <PlanSections plan={plan} repair={false} />
          <ApproveForm runId={runId} role={role} privilegeCount={LEAST_PRIVILEGE_ROLE_PRIVILEGES.length} action={approvePlanAction.bind(null, id)} />
        </>
      )}
    </JourneyFrame>
  );
}

function PrivilegeTable({ privileges }: { privileges: { name: string; feature: string }[] }) {
  return (
    <table className="mt-2 w-full border-collapse text-left text-sm">
      <caption className="sr-only">Privileges of the security role and the Act-On feature that needs each</caption>
      <thead>
        <tr className="border-b border-slate-300">
          <th scope="col" className="py-1 pr-4 font-semibold">
            Privilege (organization-wide)
          </th>
          <th scope="col" className="py-1 font-semibold">
            Act-On feature that needs it
          </th>
        </tr>
      </thead>
      <tbody>
        {privileges.map((p) => (
          <tr key={p.name} className="border-b border-slate-100">
            <td className="py-1 pr-4 font-mono text-xs">{p.name}</td>
            <td className="py-1">{p.feature}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
