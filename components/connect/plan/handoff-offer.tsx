import { Users } from "lucide-react";
import type { ReactNode } from "react";
import { RefreshWhileOpen } from "@/components/connect/refresh-while-open";
import { STEP_LABELS, type StepName } from "@/lib/domain/run/machine";
import type { HandoffProgress } from "@/lib/connect/plan-view";
import { HandoffStatus } from "./handoff-status";

/** "Or hand this part to a colleague": the steps they would see, how the last link is going, and the link form. */
export function HandoffOffer({ steps, progress, linkForm }: { steps: StepName[]; progress: HandoffProgress | null; linkForm: ReactNode }) {
  return (
    <section aria-labelledby="handoff-heading" className="space-y-3 rounded-lg border border-blue-300 bg-blue-50 p-5">
      <h2 id="handoff-heading" className="flex items-center gap-2 text-lg font-semibold">
        <Users aria-hidden className="h-5 w-5 text-blue-700" /> Or hand this part to a colleague
      </h2>
      <p>
        A colleague who has the role above can finish it from their own browser: they open the link, sign in with their own Microsoft account, see
        only these steps — {steps.map((s) => STEP_LABELS[s]).join("; ")} — and approve. This page follows their progress.
      </p>
      <HandoffStatus progress={progress} plannedBy={null} />
      {linkForm}
      {progress?.state === "open" || progress?.state === "used" ? <RefreshWhileOpen everyMs={3000} /> : null}
    </section>
  );
}
