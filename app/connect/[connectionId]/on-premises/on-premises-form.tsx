"use client";
import { useActionState } from "react";
import { Field, INPUT_CLASS } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { fieldError } from "@/lib/core/forms";
import type { OnPremisesFormState } from "./on-premises.schema";

/** The on-premises form. The password is never sent back: after a refused try it is empty and must be typed again. */
export function OnPremisesForm(props: {
  action: (previous: OnPremisesFormState, form: FormData) => Promise<OnPremisesFormState>;
  initial: { serverUrl: string; username: string };
}) {
  const [state, formAction] = useActionState(props.action, { status: "idle", values: props.initial });
  return (
    <form action={formAction} className="max-w-xl space-y-5" noValidate>
      {state.status === "error" && state.message ? (
        <Notice tone="error" size="md" title="Not connected">
          <p>{state.message}</p>
        </Notice>
      ) : null}
      <Field
        id="serverUrl"
        label="Server address"
        hint="The https:// address of your Dynamics 365 organization, e.g. https://crm.contoso.com/contoso."
        error={fieldError(state.fieldErrors, "serverUrl")}
      >
        {(aria) => (
          <input {...aria} name="serverUrl" type="url" required autoComplete="url" defaultValue={state.values.serverUrl} className={INPUT_CLASS} />
        )}
      </Field>
      <Field
        id="username"
        label="Domain user"
        hint="A Dynamics 365 user for Act-On, as DOMAIN\user."
        error={fieldError(state.fieldErrors, "username")}
      >
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
      <Field id="password" label="Password" hint="Stored encrypted; never shown again." error={fieldError(state.fieldErrors, "password")}>
        {(aria) => <input {...aria} name="password" type="password" required autoComplete="current-password" className={INPUT_CLASS} />}
      </Field>
      <SubmitButton pendingLabel="Checking the server…">Connect</SubmitButton>
    </form>
  );
}
