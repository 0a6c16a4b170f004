"use client";
import { useActionState } from "react";
import { BUTTON_CLASS, Field, INPUT_CLASS } from "@/components/connect/field";
import type { OnPremisesFormState } from "./on-premises.schema";

/** The on-premises form. The password is never sent back: after a refused try it is empty and must be typed again. */
export function OnPremisesForm(props: {
  action: (previous: OnPremisesFormState, form: FormData) => Promise<OnPremisesFormState>;
  initial: { serverUrl: string; username: string };
}) {
  const [state, formAction, pending] = useActionState(props.action, { message: null, fieldErrors: {}, values: props.initial });
  return (
    <form action={formAction} className="max-w-xl space-y-5" noValidate>
      {state.message ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-4 text-red-900">
          <p className="font-semibold">Not connected</p>
          <p>{state.message}</p>
        </div>
      ) : null}
      <Field
        id="serverUrl"
        label="Server address"
        hint="The https:// address of your Dynamics 365 organization, e.g. https://crm.contoso.com/contoso."
        error={state.fieldErrors.serverUrl}
      >
        {(aria) => (
          <input {...aria} name="serverUrl" type="url" required autoComplete="url" defaultValue={state.values.serverUrl} className={INPUT_CLASS} />
        )}
      </Field>
      <Field id="username" label="Domain user" hint="A Dynamics 365 user for Act-On, as DOMAIN\user." error={state.fieldErrors.username}>
        {(aria) => (
          <input
            {...aria}
            name="username"
            required
            autoComplete="username"
            spellCheck={false}
            defaultValue={state.values.username}
            className={INPUT_CLASS}
          />
        )}
      </Field>
      <Field id="password" label="Password" hint="Stored encrypted; never shown again." error={state.fieldErrors.password}>
        {(aria) => <input {...aria} name="password" type="password" required autoComplete="current-password" className={INPUT_CLASS} />}
      </Field>
      <button type="submit" className={BUTTON_CLASS} disabled={pending}>
        {pending ? "Checking the server…" : "Connect"}
      </button>
    </form>
  );
}
