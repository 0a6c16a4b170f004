"use client";
import { ArrowRight } from "lucide-react";
import { useActionState } from "react";
import { SubmitButton } from "@/components/connect/submit-button";
import type { MigrateFormState } from "./migrate.action";

/** The one button that asks the engine for the migration's plan; the engine's answer, if it refuses, in words. */
export function MigrateForm({ action }: { action: (previous: MigrateFormState, form: FormData) => Promise<MigrateFormState> }) {
  const [state, formAction] = useActionState(action, { error: null });
  return (
    <form action={formAction} className="space-y-3">
      {state.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
          {state.error}
        </p>
      ) : null}
      <input type="hidden" name="confirm" value="move-to-oauth" />
      <SubmitButton pendingLabel="Reading what exists…">
        Show the plan to move to OAuth <ArrowRight aria-hidden className="h-4 w-4" />
      </SubmitButton>
    </form>
  );
}
