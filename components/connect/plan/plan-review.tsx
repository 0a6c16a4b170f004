import type { ReactNode } from "react";
import { ApproveForm } from "@/components/connect/approve-form";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/core/forms";
import { APPROVAL_WORDS } from "@/lib/connect/approval-kind";
import type { PlanView } from "@/lib/connect/plan-view";
import { HandoffOffer } from "./handoff-offer";
import { PlanBlockers } from "./plan-blockers";
import { PlanSections } from "./plan-sections";

type Props = {
  view: Extract<PlanView, { kind: "review" }>;
  /** How the admin arrived: the environment chosen without asking, the role just changed, a recheck that failed. */
  notice: { environment?: string; updated?: string; recheck?: string };
  recheckAction: (form: FormData) => Promise<void>;
  approveAction: (state: FormState, form: FormData) => Promise<FormState>;
  changeEnvironmentAction: (form: FormData) => Promise<void>;
  handoffLinkForm: ReactNode;
};

/** The admin reviews the plan (or the repair) and approves, fixes the blockers, or hands a part to a colleague. */
export function PlanReview({ view, notice, recheckAction, approveAction, changeEnvironmentAction, handoffLinkForm }: Props) {
  const { plan, repair, approval } = view;
  const { environment, updated, recheck } = notice;
  const removing = approval === "disconnect";
  return (
    <JourneyFrame
      current="plan"
      accountName={view.frame.accountName}
      signedInAs={view.frame.signedInAs}
      title={APPROVAL_WORDS[approval].title}
      intro={
        removing ? (
          <p>
            This plan <strong>disconnects Dynamics 365 from Act-On</strong>: it removes what is listed below from your Microsoft tenant and
            environment. Nothing has been removed yet; it starts when you approve.
          </p>
        ) : (
          <p>
            {repair
              ? "The portal read what exists for this connection. Only what is missing is changed; everything that still works is kept as it is. "
              : "This is what the portal will do in your Microsoft tenant and in "}
            {repair ? null : <strong>{plan.environment?.name ?? plan.environment?.url ?? "your environment"}</strong>}
            {repair ? null : ". "}
            Nothing has been written yet; it starts when you approve.
          </p>
        )
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
      {recheck ? <Notice tone="error">The plan could not be checked again. Reload the page and try once more.</Notice> : null}
      {plan.blockers.length ? <PlanBlockers blockers={plan.blockers} runId={view.runId} recheckAction={recheckAction} /> : null}
      {view.handOffSteps ? <HandoffOffer steps={view.handOffSteps} progress={view.handoff} linkForm={handoffLinkForm} /> : null}
      <PlanSections plan={plan} repair={repair} />
      {!plan.blockers.length ? (
        <ApproveForm runId={view.runId} approval={approval} role={view.role} privilegeCount={view.privilegeCount} action={approveAction} />
      ) : null}
      <form action={changeEnvironmentAction}>
        <input type="hidden" name="runId" value={view.runId} />
        <SubmitButton variant="secondary" pendingLabel="One moment…">
          {removing ? "Cancel: keep the connection" : "Choose another environment"}
        </SubmitButton>
      </form>
    </JourneyFrame>
  );
}
