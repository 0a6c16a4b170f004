import { Notice } from "@/components/ui/notice";
import type { Plan, PlanAction } from "@/lib/connect/plan-view";

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

/** The plan as work and no-work: what will change, what is kept as it is, and what is only checked. */
export function PlanSections({ plan, repair }: { plan: Plan; repair: boolean }) {
  const changes = plan.steps
    .map((step) => ({ ...step, actions: step.actions.filter((a) => CHANGE_VERBS.has(a.verb)) }))
    .filter((s) => s.actions.length);
  const kept = plan.steps.flatMap((step) => step.actions.filter((a) => a.verb === "reuse").map((action) => ({ step, action })));
  const checks = plan.steps.flatMap((step) => step.actions.filter((a) => a.verb === "check").map((action) => ({ step, action })));
  return (
    <>
      {plan.whoChanged?.length ? (
        <section aria-labelledby="who-changed-heading" className="space-y-2">
          <h2 id="who-changed-heading" className="text-lg font-semibold">
            What changed in Dynamics 365
          </h2>
          <ul className="space-y-1 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="plan-who-changed">
            {plan.whoChanged.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p className="text-sm text-slate-600">From the environment&apos;s audit history, read with your sign-in.</p>
        </section>
      ) : null}
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
