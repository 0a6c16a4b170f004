"use client";
import { ArrowRight } from "lucide-react";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/core/forms";
import { Notice } from "@/components/ui/notice";

/** The one button that asks the engine for the migration's plan; the engine's answer, if it refuses, in words. */
export function MigrateForm({ action }: { action: (previous: FormState, form: FormData) => Promise<FormState> }) {
  const [state, formAction] = useActionState(action, { status: "idle" });
  return (
    <form action={formAction} className="space-y-3">
      {state.status === "error" && state.message ? <Notice tone="error">{state.message}</Notice> : null}
      <input type="hidden" name="confirm" value="move-to-oauth" />
      <SubmitButton pendingLabel="Reading what exists…">
        Show the plan to move to OAuth <ArrowRight aria-hidden className="h-4 w-4" />
      </SubmitButton>
    </form>
  );
}
