"use client";
import { Check, Copy } from "lucide-react";
import { Tooltip } from "radix-ui";
import { useEffect, useState } from "react";
import { buttonVariants } from "./button-variants";

type Outcome = "idle" | "copied" | "failed";

/**
 * Copies one value to the clipboard. A real button (Enter and Space work), named "Copy <label>"; the outcome is said
 * once through a polite live region beside it ("Copied", or how to copy by hand when the browser refuses).
 * `iconOnly` shows just the icon, with the name as a tooltip, for dense tables.
 */
export function CopyButton({ value, label, iconOnly = false }: { value: string; label: string; iconOnly?: boolean }) {
  const [outcome, setOutcome] = useState<Outcome>("idle");
  useEffect(() => {
    if (outcome === "idle") return;
    const timer = setTimeout(() => setOutcome("idle"), 4000);
    return () => clearTimeout(timer);
  }, [outcome]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setOutcome("copied");
    } catch {
      setOutcome("failed");
    }
  };
  const name = `Copy ${label}`;
  const icon = outcome === "copied" ? <Check aria-hidden className="h-4 w-4 text-emerald-800" /> : <Copy aria-hidden className="h-4 w-4" />;
  const button = iconOnly ? (
    <button type="button" onClick={copy} aria-label={name} className={buttonVariants({ variant: "ghost", size: "icon" })}>
      {icon}
    </button>
  ) : (
    <button type="button" onClick={copy} aria-label={name} className={buttonVariants({ variant: "secondary", size: "icon", extra: "px-2" })}>
      {icon}
      <span aria-hidden>{outcome === "copied" ? "Copied" : "Copy"}</span>
    </button>
  );
  return (
    <span className="inline-flex items-center gap-1">
      {iconOnly ? (
        <Tooltip.Provider delayDuration={300}>
          <Tooltip.Root>
            <Tooltip.Trigger asChild>{button}</Tooltip.Trigger>
            <Tooltip.Portal>
              <Tooltip.Content sideOffset={4} className="rounded bg-slate-900 px-2 py-1 text-xs text-white">
                {name}
              </Tooltip.Content>
            </Tooltip.Portal>
          </Tooltip.Root>
        </Tooltip.Provider>
      ) : (
        button
      )}
      <span role="status" aria-live="polite" className={outcome === "failed" ? "text-xs text-slate-700" : "sr-only"}>
        {outcome === "copied" ? "Copied" : outcome === "failed" ? "Copy failed: select the text instead" : ""}
      </span>
    </span>
  );
}

/** A value to type into Microsoft's portal, shown as code with its copy button. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <code className="rounded bg-slate-100 px-2 py-0.5 font-mono text-sm text-slate-900">{value}</code>
      <CopyButton value={value} label={label} />
    </span>
  );
}
