import type { Problem } from "./support-auth";

/** What a console action did, said once under the actions (announced to screen readers). */
export type Outcome = { kind: "ok" | "error"; text: string } | null;

/** A refusal in the API's words: the first field problem when there is one, else the problem's detail. */
export function problemText(problem: Problem): string {
  return problem.errors?.[0]?.message ?? problem.detail;
}

export function OutcomeStatus({ outcome, className }: { outcome: Outcome; className: string }) {
  return (
    <div role="status" aria-live="polite" className={`${className} text-sm`}>
      {outcome ? <p className={outcome.kind === "ok" ? "text-green-900" : "text-red-800"}>{outcome.text}</p> : null}
    </div>
  );
}
