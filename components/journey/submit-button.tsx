"use client";
import { Loader2 } from "lucide-react";
import { useFormStatus } from "react-dom";

type Props = {
  children: React.ReactNode;
  pendingLabel: string;
  variant?: "primary" | "secondary";
  name?: string;
  value?: string;
  ariaLabel?: string;
};

/** A form's submit button that says what is happening while the server action runs (and cannot be pressed twice). */
export function SubmitButton({ children, pendingLabel, variant = "primary", name, value, ariaLabel }: Props) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" name={name} value={value} disabled={pending} aria-label={ariaLabel} className={buttonClass(variant)}>
      {pending ? <Loader2 aria-hidden className="h-4 w-4 animate-spin" /> : null}
      {pending ? pendingLabel : children}
    </button>
  );
}

export function buttonClass(variant: "primary" | "secondary" = "primary"): string {
  const base =
    "inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-semibold focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2 disabled:cursor-wait disabled:opacity-70";
  return variant === "primary"
    ? `${base} bg-blue-700 text-white hover:bg-blue-800`
    : `${base} border border-slate-300 bg-white text-slate-900 hover:bg-slate-50`;
}
