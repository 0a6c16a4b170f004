import { AlertOctagon } from "lucide-react";
import { ApproveForm } from "@/components/connect/approve-form";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/core/forms";
import { STEP_LABELS } from "@/lib/domain/run/machine";
import type { PlanView } from "@/lib/connect/plan-view";
import { PlanSections } from "./plan-sections";

type Props = {
  view: Extract<PlanView, { kind: "handoff" }>;
  recheckAction: (form: FormData) => Promise<void>;
  approveAction: (state: FormState, form: FormData) => Promise<FormState>;
  /** The re-check was refused: the link no longer lets this session change the plan (another plan, or it ended). */
  recheckRefused?: boolean;
};

/**
 * A colleague's hand-off session: what they were asked to do, the plan checked with their own account, and approve.
 * If their account lacks the role too, it says so plainly; this browser may sign in with another account (the
 * single-use link was spent when it was opened, the hand-off session is not).
 */
export function ColleaguePlan({ view, recheckAction, approveAction, recheckRefused = false }: Props) {
  const { plan, brief, plannedBy, frame } = view;
  const me = frame.signedInAs ?? null;
  const asked = (brief?.steps ?? []).filter((s) => s !== "preconditions");
  return (
    <JourneyFrame
      current="plan"
      title="Your colleague needs your help"
      accountName={frame.accountName}
      signedInAs={me}
      intro={
        <p>
          {brief?.askedBy ?? "A colleague"} is connecting Dynamics 365 to Act-On for <strong>{frame.accountName}</strong> and lacks a role it needs.
          You were asked to complete these steps with your own Microsoft account; nothing else of the connection is yours to change.
        </p>
      }
    >
      {recheckRefused ? (
        <Notice tone="error">
          Your hand-off link lets you check and approve only the plan your colleague asked you for, while it is open. Ask them for a new link to
          change it.
        </Notice>
      ) : null}
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
      {!view.plannedByMe ? (
        <section aria-labelledby="check-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
          <h2 id="check-heading" className="text-lg font-semibold">
            First, check the plan with your account
          </h2>
          <p>
            The plan was prepared with {plannedBy ? `${plannedBy}'s` : "your colleague's"} account, which lacks the role. The portal reads your tenant
            and environment again as <strong>{me}</strong>; nothing is written until you approve.
          </p>
          <form action={recheckAction}>
            <input type="hidden" name="runId" value={view.runId} />
            <SubmitButton pendingLabel="Reading as you…">Check the plan with my account</SubmitButton>
          </form>
        </section>
      ) : plan.blockers.length ? (
        <section aria-labelledby="also-heading" className="space-y-3 rounded-lg border border-red-300 bg-red-50 p-5">
          <h2 id="also-heading" className="flex items-center gap-2 text-lg font-semibold text-red-900">
            <AlertOctagon aria-hidden className="h-5 w-5" /> Your account lacks this role too
          </h2>
          <p className="text-red-950" data-testid="handoff-also-lacks">
            {me} does not have {view.missingRoles.length ? view.missingRoles.join("; nor ") : "what the plan needs"}, so you cannot complete this
            either. Nothing was written at Microsoft.
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
          <ApproveForm
            runId={view.runId}
            approval={view.approval}
            role={view.role}
            privilegeCount={view.privilegeCount}
            action={approveAction}
            roleLocked
          />
        </>
      )}
    </JourneyFrame>
  );
}
