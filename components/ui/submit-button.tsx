"use client";
import { Loader2 } from "lucide-react";
import { useFormStatus } from "react-dom";
import { buttonVariants, type ButtonVariant } from "./button-variants";

type Props = {
  children: React.ReactNode;
  /** What the button says while the server action runs ("Checking with Microsoft…"). */
  pendingLabel: string;
  variant?: ButtonVariant;
  name?: string;
  value?: string;
  "aria-label"?: string;
  className?: string;
};

/**
 * A form's submit button that says what is happening while the server action runs: disabled (it cannot be pressed
 * twice) and aria-busy, with the pending label in place of its text.
 */
export function SubmitButton({ children, pendingLabel, variant = "primary", name, value, className, ...aria }: Props) {
  const { pending } = useFormStatus();
  return (
    <button
      type="submit"
      name={name}
      value={value}
      disabled={pending}
      aria-busy={pending || undefined}
      aria-label={aria["aria-label"]}
      className={buttonVariants({ variant, extra: className })}
    >
      {pending ? <Loader2 aria-hidden className="h-4 w-4 animate-spin" /> : null}
      {pending ? pendingLabel : children}
    </button>
  );
}
