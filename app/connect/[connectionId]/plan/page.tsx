import type { Metadata } from "next";
import { AlertOctagon } from "lucide-react";
import { ApproveForm } from "@/components/journey/approve-form";
import { JourneyFrame } from "@/components/journey/journey-frame";
import { SubmitButton } from "@/components/journey/submit-button";
import { ensurePage, loadJourney } from "@/lib/journey/load-journey";
import { getDb } from "@/lib/db";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "@/lib/provisioning/least-privilege-role";
import type { PlanAction } from "@/lib/provisioning/plan";
import { approvePlanAction, changeEnvironmentAction, recheckPlanAction } from "../actions";

export const metadata: Metadata = { title: "Review the plan · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

const VERB_LABELS: Record<PlanAction["verb"], string> = {
  create: "Create",
  reuse: "Reuse",
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

export default async function PlanPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ updated?: string }>;
}) {
  const { connectionId } = await params;
  const { updated } = await searchParams;
  const journey = await loadJourney(connectionId);
  ensurePage(journey, ["plan"]);
  const run = journey.run;
  const plan = run?.plan ?? null;
  const options = run ? await getDb().provisioningRun.findUnique({ where: { id: run.id }, select: { options: true } }) : null;
  const role = ((options?.options ?? {}) as { role?: string }).role === "systemAdministrator" ? "systemAdministrator" : "leastPrivilege";
  const connectionId_ = journey.connection.id;
  if (!run || !plan) {
    return (
      <JourneyFrame
        current="plan"
        title="Preparing the plan…"
        accountName={journey.session.accountName}
        signedInAs={journey.session.microsoft?.username}
      >
        <p role="status">The portal is reading what already exists in your tenant and environment. This page updates when you reload it.</p>
      </JourneyFrame>
    );
  }
  return (
    <JourneyFrame
      current="plan"
      title="Review the plan"
      accountName={journey.session.accountName}
      signedInAs={journey.session.microsoft?.username}
      intro={
        <p>
          This is what the portal will do in your Microsoft tenant and in{" "}
          <strong>{plan.environment?.name ?? plan.environment?.url ?? "your environment"}</strong>. Nothing has been written yet; it starts when you
          approve.
        </p>
      }
    >
      {updated === "role" ? (
        <p role="status" className="rounded-md border border-blue-300 bg-blue-50 p-3 text-sm">
          The plan was updated for the security role you chose. Review it and approve.
        </p>
      ) : null}
      {plan.blockers.length ? (
        <section aria-labelledby="blockers-heading" className="rounded-lg border border-red-300 bg-red-50 p-5">
          <h2 id="blockers-heading" className="flex items-center gap-2 text-lg font-semibold text-red-900">
            <AlertOctagon aria-hidden className="h-5 w-5" /> Fix these first
          </h2>
          <ul className="mt-2 list-disc space-y-2 pl-6 text-red-950">
            {plan.blockers.map((b) => (
              <li key={`${b.code}:${b.message}`} data-blocker={b.code}>
                {b.message}
              </li>
            ))}
          </ul>
          <p className="mt-3 text-sm text-red-950">Nothing has been written at Microsoft. Once it is fixed, check again.</p>
          <form action={recheckPlanAction.bind(null, connectionId_)} className="mt-3">
            <input type="hidden" name="environment" value={plan.environment?.url ?? ""} />
            <SubmitButton pendingLabel="Checking…">Check again</SubmitButton>
          </form>
        </section>
      ) : null}
      <section aria-labelledby="plan-heading" className="space-y-4">
        <h2 id="plan-heading" className="text-xl font-semibold">
          What will happen
        </h2>
        <ol className="space-y-3">
          {plan.steps.map((step) => (
            <li key={step.step} className="rounded-lg border border-slate-200 bg-white p-4">
              <h3 className="font-medium">{step.label}</h3>
              <ul className="mt-2 space-y-2 text-sm">
                {step.actions.map((action, i) => (
                  <li key={i} className="flex flex-wrap items-start gap-2" data-verb={action.verb}>
                    <span className={`rounded px-2 py-0.5 text-xs font-semibold ${VERB_TONE[action.verb]}`}>{VERB_LABELS[action.verb]}</span>
                    <span className="min-w-0 flex-1">
                      {action.what}
                      {action.detail ? <span className="block text-slate-700">{action.detail}</span> : null}
                    </span>
                    {action.privileges?.length ? <PrivilegeTable privileges={action.privileges} /> : null}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
        {plan.notes.length ? (
          <ul className="list-disc space-y-1 pl-6 text-sm text-slate-700">
            {plan.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        ) : null}
      </section>
      {!plan.blockers.length ? (
        <ApproveForm
          runId={run.id}
          role={role}
          privilegeCount={LEAST_PRIVILEGE_ROLE_PRIVILEGES.length}
          action={approvePlanAction.bind(null, connectionId_)}
        />
      ) : null}
      <form action={changeEnvironmentAction.bind(null, connectionId_)}>
        <input type="hidden" name="runId" value={run.id} />
        <SubmitButton variant="secondary" pendingLabel="One moment…">
          Choose another environment
        </SubmitButton>
      </form>
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
