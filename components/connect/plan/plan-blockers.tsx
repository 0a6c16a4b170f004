import { AlertOctagon } from "lucide-react";
import { SubmitButton } from "@/components/ui/submit-button";
import type { PlanBlocker } from "@/lib/connect/plan-view";

/** What must be fixed before anything is written, who can grant a missing role, and "Check again". */
export function PlanBlockers({
  blockers,
  runId,
  recheckAction,
}: {
  blockers: PlanBlocker[];
  runId: string;
  recheckAction: (form: FormData) => Promise<void>;
}) {
  return (
    <section aria-labelledby="blockers-heading" className="rounded-lg border border-red-300 bg-red-50 p-5">
      <h2 id="blockers-heading" className="flex items-center gap-2 text-lg font-semibold text-red-900">
        <AlertOctagon aria-hidden className="h-5 w-5" /> Fix these first
      </h2>
      <ul className="mt-2 list-disc space-y-2 pl-6 text-red-950">
        {blockers.map((b) => (
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
      <form action={recheckAction} className="mt-3">
        <input type="hidden" name="runId" value={runId} />
        <SubmitButton pendingLabel="Checking…">Check again</SubmitButton>
      </form>
    </section>
  );
}
