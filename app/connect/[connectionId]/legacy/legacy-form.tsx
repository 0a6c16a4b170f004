"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/submit-button";
import { Field, INPUT_CLASS } from "@/components/ui/field";
import { FOCUS_RING } from "@/components/ui/button-variants";
import { Notice } from "@/components/ui/notice";
import { fieldError } from "@/lib/core/forms";
import type { LegacyFormState } from "./legacy.schema";

export type LegacyEnvironment = { url: string; name: string };

/**
 * The legacy form: the environment (Microsoft's list, or a pasted URL), the integration user and the password. The
 * password field is never refilled: after a refused try it is empty and must be typed again.
 */
export function LegacyForm(props: {
  action: (previous: LegacyFormState, form: FormData) => Promise<LegacyFormState>;
  environments: LegacyEnvironment[];
  listProblem: string | null;
  initial: LegacyFormState["values"];
  role: "leastPrivilege" | "systemAdministrator";
}) {
  const [state, formAction] = useActionState(props.action, { status: "idle", values: props.initial });
  const errors = state.fieldErrors;
  const chosen = state.values.environment || (props.environments.length === 1 ? props.environments[0].url : "");
  return (
    <form action={formAction} className="max-w-2xl space-y-5 rounded-lg border border-slate-200 bg-white p-6" noValidate>
      {state.status === "error" && state.message ? (
        <Notice tone="error" size="md" title="Not started">
          <p>{state.message}</p>
        </Notice>
      ) : null}
      <input type="hidden" name="role" value={props.role} />
      {props.environments.length ? (
        <fieldset className="space-y-2" aria-describedby={fieldError(errors, "environment") ? "environment-error" : undefined}>
          <legend className="font-medium text-slate-900">Dynamics 365 environment</legend>
          {props.environments.map((env, i) => (
            <label key={env.url} className="flex items-start gap-2">
              <input
                type="radio"
                name="environment"
                value={env.url}
                id={`environment-${i}`}
                defaultChecked={chosen === env.url}
                className={`mt-1 h-4 w-4 accent-blue-700 ${FOCUS_RING}`}
              />
              <span>
                <span className="font-medium">{env.name}</span> <span className="text-sm break-all text-slate-700">{env.url}</span>
              </span>
            </label>
          ))}
          {fieldError(errors, "environment") ? (
            <p id="environment-error" className="text-sm font-medium text-red-800">
              {fieldError(errors, "environment")}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      {props.listProblem ? <p className="text-sm text-slate-700">{props.listProblem}</p> : null}
      <Field
        id="pastedUrl"
        label={props.environments.length ? "Or paste the environment's URL" : "The environment's URL"}
        hint="For example https://contoso.crm.dynamics.com. It wins over the list when filled in."
        error={fieldError(errors, "pastedUrl") ?? (props.environments.length ? undefined : fieldError(errors, "environment"))}
      >
        {(aria) => <input {...aria} name="pastedUrl" type="url" autoComplete="url" defaultValue={state.values.pastedUrl} className={INPUT_CLASS} />}
      </Field>
      <Field
        id="integrationUsername"
        label="Integration user"
        hint="The Microsoft sign-in name of the account Act-On signs in as, e.g. crm.integration@contoso.com."
        error={fieldError(errors, "integrationUsername")}
      >
        {(aria) => (
          <input
            {...aria}
            name="integrationUsername"
            type="email"
            required
            autoComplete="username"
            spellCheck={false}
            defaultValue={state.values.integrationUsername}
            className={INPUT_CLASS}
          />
        )}
      </Field>
      <Field
        id="password"
        label="Password"
        hint="Sent only to Act-On's encrypted store, used to sign in as this user, and never shown again."
        error={fieldError(errors, "password")}
      >
        {(aria) => <input {...aria} name="password" type="password" required autoComplete="current-password" className={INPUT_CLASS} />}
      </Field>
      <SubmitButton pendingLabel="Checking the user and reading what exists…">Check and show the plan</SubmitButton>
    </form>
  );
}
