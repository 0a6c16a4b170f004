"use client";
import { Link2 } from "lucide-react";
import { useActionState, useId } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { RefreshWhileOpen } from "@/components/connect/refresh-while-open";
import { INPUT_BASE } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import type { HandoffLinkState } from "./handoff-link.types";

const when = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * "Create a hand-off link": the server action answers the link once (it is never stored or shown again), with a copy
 * button and its expiry.
 */
export function HandoffLinkForm({
  runId,
  action,
}: {
  runId: string;
  action: (state: HandoffLinkState, form: FormData) => Promise<HandoffLinkState>;
}) {
  const [state, submit] = useActionState(action, { status: "idle" });
  const fieldId = useId();
  if (state.link) {
    const expires = new Date(state.link.expiresAt);
    const hours = state.link.validForHours;
    return (
      <div className="space-y-3 rounded-md border border-blue-300 bg-white p-4" data-testid="handoff-link">
        <label htmlFor={fieldId} className="block font-medium">
          Hand-off link for your colleague
        </label>
        <div className="flex flex-wrap items-center gap-2">
          <input
            id={fieldId}
            readOnly
            value={state.link.url}
            className={`${INPUT_BASE} min-w-0 flex-1 bg-slate-50 font-mono text-sm`}
            onFocus={(e) => e.currentTarget.select()}
          />
          <CopyButton value={state.link.url} label="hand-off link" />
        </div>
        <p className="text-sm text-slate-800" data-testid="handoff-expiry">
          Works once, for this connection only, until {when.format(expires)} UTC (in {hours} hours). This is the only time the portal shows it: send
          it now (e-mail or chat) to a colleague who has: {state.link.requiredRole}.
        </p>
        <RefreshWhileOpen everyMs={3000} />
      </div>
    );
  }
  return (
    <form action={submit} className="space-y-2">
      <input type="hidden" name="runId" value={runId} />
      <SubmitButton pendingLabel="Creating the link…">
        <Link2 aria-hidden className="h-4 w-4" />
        Create a hand-off link
      </SubmitButton>
      {state.status === "error" && state.message ? (
        <p role="alert" className="text-sm font-medium text-red-800">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
