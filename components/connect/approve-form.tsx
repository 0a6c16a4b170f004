"use client";
import { ShieldCheck } from "lucide-react";
import { RadioGroup } from "radix-ui";
import { useActionState, useId } from "react";
import type { FormState } from "@/lib/core/forms";
import { FOCUS_RING } from "@/components/ui/button-variants";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";

type Props = {
  runId: string;
  role: "leastPrivilege" | "systemAdministrator";
  privilegeCount: number;
  action: (state: FormState, form: FormData) => Promise<FormState>;
  /** A colleague's hand-off: the role is the one the plan was handed over with, shown but not offered for change. */
  roleLocked?: boolean;
};

const OPTIONS = [
  {
    value: "leastPrivilege",
    title: "Least privilege (recommended)",
    body: (n: number) =>
      `An “Act-On Integration” security role with only the ${n} privileges Act-On uses, each listed above with the feature that needs it.`,
  },
  {
    value: "systemAdministrator",
    title: "System Administrator",
    body: () => "What Act-On's manual article describes. It works, but grants the application user far more than Act-On needs.",
  },
] as const;

/** The role choice (least privilege by default) and the one button that approves the plan and connects. */
export function ApproveForm({ runId, role, privilegeCount, action, roleLocked = false }: Props) {
  const [state, submit] = useActionState(action, { status: "idle" });
  const legendId = useId();
  const chosen = OPTIONS.find((o) => o.value === role) ?? OPTIONS[0];
  return (
    <form action={submit} className="space-y-5 rounded-lg border border-slate-200 bg-white p-6">
      <input type="hidden" name="runId" value={runId} />
      {roleLocked ? (
        <div className="space-y-2" data-testid="locked-role">
          <input type="hidden" name="role" value={role} />
          <h2 className="text-lg font-semibold">Security role of the application user</h2>
          <p>
            <span className="block font-medium">{chosen.title}</span>
            <span className="block text-sm text-slate-700">{chosen.body(privilegeCount)}</span>
          </p>
          <p className="text-sm text-slate-700">Your colleague chose this role; ask them for a new link if it should change.</p>
        </div>
      ) : (
        <div className="space-y-3">
          <h2 id={legendId} className="text-lg font-semibold">
            Security role of the application user
          </h2>
          <RadioGroup.Root name="role" defaultValue={role} aria-labelledby={legendId} className="grid gap-3 sm:grid-cols-2">
            {OPTIONS.map((option) => (
              <label
                key={option.value}
                className="flex cursor-pointer items-start gap-3 rounded-lg border border-slate-300 p-4 has-[[data-state=checked]]:border-blue-700 has-[[data-state=checked]]:bg-blue-50"
              >
                <RadioGroup.Item
                  value={option.value}
                  aria-describedby={`${legendId}-${option.value}`}
                  className={`mt-1 flex h-5 w-5 shrink-0 items-center justify-center rounded-full border-2 border-slate-600 ${FOCUS_RING} data-[state=checked]:border-blue-700`}
                >
                  <RadioGroup.Indicator className="h-2.5 w-2.5 rounded-full bg-blue-700" />
                </RadioGroup.Item>
                <span>
                  <span className="block font-medium">{option.title}</span>
                  <span id={`${legendId}-${option.value}`} className="block text-sm text-slate-700">
                    {option.body(privilegeCount)}
                  </span>
                </span>
              </label>
            ))}
          </RadioGroup.Root>
          {role === "leastPrivilege" ? (
            <p className="text-sm text-slate-700">Choosing System Administrator shows you the updated plan to approve.</p>
          ) : (
            <p className="text-sm text-slate-700">Choosing least privilege shows you the updated plan to approve.</p>
          )}
        </div>
      )}
      {state.status === "error" && state.message ? <Notice tone="error">{state.message}</Notice> : null}
      <SubmitButton pendingLabel="Starting…">
        <ShieldCheck aria-hidden className="h-4 w-4" />
        Approve and connect
      </SubmitButton>
    </form>
  );
}
