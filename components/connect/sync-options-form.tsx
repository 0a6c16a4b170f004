"use client";
import { Checkbox, RadioGroup } from "radix-ui";
import { Check } from "lucide-react";
import { useActionState, useId } from "react";
import { FOCUS_RING } from "@/components/ui/button-variants";
import { Field, INPUT_BASE } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { fieldError, type FormState } from "@/lib/core/forms";
import { SCORE_TARGETS, SYNC_FORM_FIELDS, SYNC_INTERVAL_HOURS, SYNC_RECORDS, type SyncOptions } from "@/lib/connections/sync-options.schema";

type Props = { initial: SyncOptions; action: (state: FormState, form: FormData) => Promise<FormState> };

const boxClass = `flex h-5 w-5 shrink-0 items-center justify-center rounded border-2 border-slate-600 bg-white ${FOCUS_RING} data-[state=checked]:border-blue-700 data-[state=checked]:bg-blue-700`;
const radioClass = `flex h-5 w-5 shrink-0 items-center justify-center rounded-full border-2 border-slate-600 bg-white ${FOCUS_RING} data-[state=checked]:border-blue-700`;

function Box({ name, defaultChecked, label, hint }: { name: string; defaultChecked: boolean; label: string; hint?: string }) {
  const id = useId();
  return (
    <div className="flex items-start gap-3">
      <Checkbox.Root
        id={id}
        name={name}
        defaultChecked={defaultChecked}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={`mt-0.5 ${boxClass}`}
      >
        <Checkbox.Indicator>
          <Check aria-hidden className="h-3.5 w-3.5 text-white" />
        </Checkbox.Indicator>
      </Checkbox.Root>
      <div>
        <label htmlFor={id} className="font-medium">
          {label}
        </label>
        {hint ? (
          <p id={`${id}-hint`} className="text-sm text-slate-700">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** Act-On's sync options for this connection; the server action validates them with the same schema. */
export function SyncOptionsForm({ initial, action }: Props) {
  const [state, submit] = useActionState(action, { status: "idle" });
  const scoreLabel = useId();
  const scheduleLabel = useId();
  const fieldId = useId();
  const problem = (key: string) => {
    const message = fieldError(state.fieldErrors, key);
    return message ? (
      <p className="text-sm font-medium text-red-800" data-problem={key}>
        {message}
      </p>
    ) : null;
  };
  return (
    <form action={submit} className="space-y-6" noValidate>
      {state.status === "error" && state.message ? <Notice tone="error">{state.message}</Notice> : null}
      <fieldset className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
        <legend className="px-1 text-lg font-semibold">Dynamics records that sync</legend>
        {SYNC_RECORDS.map((r) => (
          <Box key={r.key} name={SYNC_FORM_FIELDS.record(r.key)} defaultChecked={initial.records[r.key]} label={r.label} hint={r.hint} />
        ))}
        {problem("records")}
      </fieldset>

      <fieldset className="space-y-2 rounded-lg border border-slate-200 bg-white p-5">
        <legend className="px-1 text-lg font-semibold">Contact matching</legend>
        <input type="hidden" name={SYNC_FORM_FIELDS.contactMatching} value="email" />
        <p>
          Dynamics e-mail address (<span className="font-mono text-sm">emailaddress1</span>) to Act-On e-mail address. <strong>Required</strong>:
          Act-On matches every synced record this way.
        </p>
        {problem("contactMatching")}
      </fieldset>

      <fieldset className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
        <legend className="px-1 text-lg font-semibold">Act-On score</legend>
        <p id={scoreLabel} className="text-sm text-slate-700">
          Where Act-On writes each person&apos;s behavioural score in Dynamics
        </p>
        <RadioGroup.Root
          name={SYNC_FORM_FIELDS.scoreTarget}
          defaultValue={initial.score.target}
          aria-labelledby={scoreLabel}
          className="grid gap-2 sm:grid-cols-2"
        >
          {SCORE_TARGETS.map((t) => (
            <label key={t.value} className="flex cursor-pointer items-center gap-3 rounded-md border border-slate-300 p-3">
              <RadioGroup.Item value={t.value} className={radioClass}>
                <RadioGroup.Indicator className="h-2.5 w-2.5 rounded-full bg-blue-700" />
              </RadioGroup.Item>
              {t.label}
            </label>
          ))}
        </RadioGroup.Root>
        {problem("score.target")}
        <Field
          id={fieldId}
          label="Dynamics column for the score"
          hint={
            <>
              The column&apos;s logical name, with its publisher prefix (for example <span className="font-mono">acton_score</span>).
            </>
          }
          error={fieldError(state.fieldErrors, "score.field")}
        >
          {(control) => (
            <input
              {...control}
              name={SYNC_FORM_FIELDS.scoreField}
              defaultValue={initial.score.field ?? ""}
              className={`${INPUT_BASE} w-full max-w-sm font-mono text-sm`}
            />
          )}
        </Field>
      </fieldset>

      <fieldset className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
        <legend className="px-1 text-lg font-semibold">Opt-outs</legend>
        <Box
          name={SYNC_FORM_FIELDS.optOutPull}
          defaultChecked={initial.optOut.pullFromDynamics}
          label="Pull opt-outs from Dynamics"
          hint="A record marked “Do not allow bulk e-mails” in Dynamics is opted out in Act-On."
        />
        <Box
          name={SYNC_FORM_FIELDS.optOutPush}
          defaultChecked={initial.optOut.pushToDynamics}
          label="Push opt-ins and opt-outs to Dynamics"
          hint="When someone opts in or out in Act-On, Dynamics is updated to match."
        />
      </fieldset>

      <fieldset className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
        <legend className="px-1 text-lg font-semibold">Schedule</legend>
        <p id={scheduleLabel} className="text-sm text-slate-700">
          How often Act-On syncs (never more often than every four hours)
        </p>
        <RadioGroup.Root
          name={SYNC_FORM_FIELDS.intervalHours}
          defaultValue={String(initial.schedule.intervalHours)}
          aria-labelledby={scheduleLabel}
          className="flex flex-wrap gap-2"
        >
          {SYNC_INTERVAL_HOURS.map((h) => (
            <label key={h} className="flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 px-3 py-2">
              <RadioGroup.Item value={String(h)} className={radioClass}>
                <RadioGroup.Indicator className="h-2.5 w-2.5 rounded-full bg-blue-700" />
              </RadioGroup.Item>
              {h === 24 ? "Once a day" : `Every ${h} hours`}
            </label>
          ))}
        </RadioGroup.Root>
        {problem("schedule.intervalHours")}
      </fieldset>

      <SubmitButton pendingLabel="Saving…">Save sync options</SubmitButton>
    </form>
  );
}
