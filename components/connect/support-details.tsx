"use client";
import { ChevronRight } from "lucide-react";
import { Collapsible } from "radix-ui";
import { FOCUS_RING } from "@/components/ui/button-variants";

export type SupportDetailsProps = { code: string; detail?: string | null; requestIds: string[]; runId: string; step: string; at?: string | null };

/** "Details for support": what Act-On support needs to look a failure up (codes and ids only, never a secret). */
export function SupportDetails({ code, detail, requestIds, runId, step, at }: SupportDetailsProps) {
  return (
    <Collapsible.Root className="mt-2">
      <Collapsible.Trigger
        className={`group inline-flex items-center gap-1 rounded text-sm font-medium text-blue-800 underline-offset-2 hover:underline ${FOCUS_RING}`}
      >
        <ChevronRight aria-hidden className="h-4 w-4 transition-transform group-data-[state=open]:rotate-90" />
        Details for support
      </Collapsible.Trigger>
      <Collapsible.Content>
        <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 rounded-md bg-slate-100 p-3 font-mono text-xs text-slate-800">
          <dt className="font-sans font-medium">Error code</dt>
          <dd>{code}</dd>
          {detail ? (
            <>
              <dt className="font-sans font-medium">Microsoft said</dt>
              <dd className="break-all">{detail}</dd>
            </>
          ) : null}
          <dt className="font-sans font-medium">Microsoft request ids</dt>
          <dd className="break-all">{requestIds.length ? requestIds.join(", ") : "none recorded"}</dd>
          <dt className="font-sans font-medium">Step</dt>
          <dd>{step}</dd>
          <dt className="font-sans font-medium">Run</dt>
          <dd className="break-all">{runId}</dd>
          {at ? (
            <>
              <dt className="font-sans font-medium">When</dt>
              <dd>{at}</dd>
            </>
          ) : null}
        </dl>
      </Collapsible.Content>
    </Collapsible.Root>
  );
}
