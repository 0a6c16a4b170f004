"use client";

import { Tooltip } from "radix-ui";
import { Check, Copy } from "lucide-react";
import { useState } from "react";

/** Copies `value` to the clipboard; the outcome is announced to screen readers and shown beside the button. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 4000);
  }
  return (
    <span className="inline-flex items-center gap-1">
      <Tooltip.Provider delayDuration={300}>
        <Tooltip.Root>
          <Tooltip.Trigger asChild>
            <button
              type="button"
              onClick={copy}
              aria-label={label}
              className="rounded p-1 text-slate-700 hover:bg-slate-200 focus-visible:outline-2 focus-visible:outline-blue-700"
            >
              {state === "copied" ? <Check aria-hidden className="h-4 w-4 text-green-800" /> : <Copy aria-hidden className="h-4 w-4" />}
            </button>
          </Tooltip.Trigger>
          <Tooltip.Portal>
            <Tooltip.Content sideOffset={4} className="rounded bg-slate-900 px-2 py-1 text-xs text-white">
              {label}
            </Tooltip.Content>
          </Tooltip.Portal>
        </Tooltip.Root>
      </Tooltip.Provider>
      <span role="status" className="text-xs text-slate-700">
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text instead" : ""}
      </span>
    </span>
  );
}
