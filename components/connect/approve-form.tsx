"use client";
import { ShieldCheck, Trash2 } from "lucide-react";
import { RadioGroup } from "radix-ui";
import { useActionState, useId } from "react";
import { APPROVAL_WORDS, type ApprovalKind } from "@/lib/connect/approval-kind";
import type { FormState } from "@/lib/core/forms";
import { FOCUS_RING } from "@/components/ui/button-variants";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";

type Props = {
  runId: string;
  /** The kind of plan this page shows: the form says so, and the server approves only a run of that kind. */
  approval: ApprovalKind;
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

/**
 * The one button that approves the plan, in the words of its kind ("Approve and connect", "Approve and disconnect" in
 * the destructive style…), with the role choice (least privilege by default) for the plans that create one.
 */
export function ApproveForm({ runId, approval, role, privilegeCount, action, roleLocked = false }: Props) {
  const [state, submit] = useActionState(action, { status: "idle" });
  const legendId = useId();
  const words = APPROVAL_WORDS[approval];
  const chosen = OPTIONS.find((o) => o.value === role) ?? OPTIONS[0];
  return (
    <form action={submit} className="space-y-5 rounded-lg border border-slate-200 bg-white p-6">
      <input type="hidden" name="runId" value={runId} />
      <input type="hidden" name="approve" value={approval} />
      {approval === "disconnect" ? (
        <p className="text-slate-800">
          Approving removes what the plan above lists from your Microsoft tenant and environment. Act-On stops syncing with Dynamics 365.
        </p>
      ) : roleLocked ? (
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
      <SubmitButton pendingLabel={words.pending} variant={words.destructive ? "destructive" : "primary"}>
        {words.destructive ? <Trash2 aria-hidden className="h-4 w-4" /> : <ShieldCheck aria-hidden className="h-4 w-4" />}
        {words.button}
      </SubmitButton>
    </form>
  );
}
