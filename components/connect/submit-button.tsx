"use client";
import { Loader2 } from "lucide-react";
import { useFormStatus } from "react-dom";
import { buttonClass } from "./button-class";

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
