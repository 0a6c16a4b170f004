"use client";
import { Check, Copy } from "lucide-react";
import { useState } from "react";

/** Copies one value to the clipboard; announces "Copied" to screen readers. */
export function CopyButton(props: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          setCopied(false);
        }
      }}
      className="inline-flex items-center gap-1 rounded border border-slate-400 bg-white px-2 py-1 text-sm font-medium text-slate-800 hover:bg-slate-100 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-blue-700"
      aria-label={`Copy ${props.label}`}
    >
      {copied ? <Check aria-hidden="true" className="h-4 w-4" /> : <Copy aria-hidden="true" className="h-4 w-4" />}
      <span aria-live="polite">{copied ? "Copied" : "Copy"}</span>
    </button>
  );
}

/** A value to type into Microsoft's portal, shown as code with its copy button. */
export function CopyValue(props: { value: string; label: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <code className="rounded bg-slate-100 px-2 py-0.5 font-mono text-sm text-slate-900">{props.value}</code>
      <CopyButton value={props.value} label={props.label} />
    </span>
  );
}
