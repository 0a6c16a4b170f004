import type { Metadata } from "next";
import { JourneyFrame } from "@/components/connect/journey-frame";
import { ColleaguePlan } from "@/components/connect/plan/colleague-plan";
import { HandoffStatus } from "@/components/connect/plan/handoff-status";
import { PlanReview } from "@/components/connect/plan/plan-review";
import { PlanSections } from "@/components/connect/plan/plan-sections";
import { RefreshWhileOpen } from "@/components/connect/refresh-while-open";
import { loadPlanView } from "@/lib/connect/plan-view";
import { createHandoffLinkAction } from "./handoff-link.action";
import { HandoffLinkForm } from "./handoff-link-form";
import { approvePlanAction, changeEnvironmentAction, recheckPlanAction } from "./plan.action";

export const metadata: Metadata = { title: "Review the plan · Act-On Dynamics onboarding" };
export const dynamic = "force-dynamic";

export default async function PlanPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectionId: string }>;
  searchParams: Promise<{ updated?: string; recheck?: string; environment?: string }>;
}) {
  const { connectionId } = await params;
  const notice = await searchParams;
  const view = await loadPlanView(connectionId);
  const id = view.connectionId;
  const frame = { current: "plan" as const, ...view.frame };
  switch (view.kind) {
    case "preparing":
      return (
        <JourneyFrame {...frame} title="Preparing the plan…">
          <p role="status">
            {view.isHandoff
              ? "There is no plan waiting for you: your colleague may have changed it. Ask them for a new hand-off link if they still need you."
              : "The portal is reading what already exists in your tenant and environment. This page updates when you reload it."}
          </p>
          {view.refresh ? <RefreshWhileOpen /> : null}
        </JourneyFrame>
      );
    case "handoff":
      return (
        <ColleaguePlan
          view={view}
          recheckRefused={notice.recheck === "forbidden"}
          recheckAction={recheckPlanAction.bind(null, id)}
          approveAction={approvePlanAction.bind(null, id)}
        />
      );
    case "watching":
      // The first admin, whose sign-in was replaced by the colleague's: follow the hand-off (read-only) until it moves on.
      return (
        <JourneyFrame {...frame} title="Your colleague is finishing the setup">
          <HandoffStatus progress={view.handoff} plannedBy={view.plannedBy} />
          <PlanSections plan={view.plan} repair={view.repair} />
          <RefreshWhileOpen />
        </JourneyFrame>
      );
    case "review":
      return (
        <PlanReview
          view={view}
          notice={{ environment: notice.environment, updated: notice.updated, recheck: notice.recheck }}
          recheckAction={recheckPlanAction.bind(null, id)}
          approveAction={approvePlanAction.bind(null, id)}
          changeEnvironmentAction={changeEnvironmentAction.bind(null, id)}
          handoffLinkForm={<HandoffLinkForm runId={view.runId} action={createHandoffLinkAction.bind(null, id)} />}
        />
      );
  }
}
