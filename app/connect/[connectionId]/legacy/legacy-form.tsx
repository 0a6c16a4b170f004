"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/connect/submit-button";
import { Field, INPUT_CLASS } from "@/components/connect/field";
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
  const [state, formAction] = useActionState(props.action, { message: null, fieldErrors: {}, values: props.initial });
  const chosen = state.values.environment || (props.environments.length === 1 ? props.environments[0].url : "");
  return (
    <form action={formAction} className="max-w-2xl space-y-5 rounded-lg border border-slate-200 bg-white p-6" noValidate>
      {state.message ? (
        <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-4 text-red-900">
          <p className="font-semibold">Not started</p>
          <p>{state.message}</p>
        </div>
      ) : null}
      <input type="hidden" name="role" value={props.role} />
      {props.environments.length ? (
        <fieldset className="space-y-2" aria-describedby={state.fieldErrors.environment ? "environment-error" : undefined}>
          <legend className="font-medium text-slate-900">Dynamics 365 environment</legend>
          {props.environments.map((env, i) => (
            <label key={env.url} className="flex items-start gap-2">
              <input
                type="radio"
                name="environment"
                value={env.url}
                id={`environment-${i}`}
                defaultChecked={chosen === env.url}
                className="mt-1 h-4 w-4 accent-blue-700"
              />
              <span>
                <span className="font-medium">{env.name}</span> <span className="text-sm break-all text-slate-700">{env.url}</span>
              </span>
            </label>
          ))}
          {state.fieldErrors.environment ? (
            <p id="environment-error" className="text-sm font-medium text-red-700">
              {state.fieldErrors.environment}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      {props.listProblem ? <p className="text-sm text-slate-700">{props.listProblem}</p> : null}
      <Field
        id="pastedUrl"
        label={props.environments.length ? "Or paste the environment's URL" : "The environment's URL"}
        hint="For example https://contoso.crm.dynamics.com. It wins over the list when filled in."
        error={state.fieldErrors.pastedUrl ?? (props.environments.length ? undefined : state.fieldErrors.environment)}
      >
        {(aria) => <input {...aria} name="pastedUrl" type="url" autoComplete="url" defaultValue={state.values.pastedUrl} className={INPUT_CLASS} />}
      </Field>
      <Field
        id="integrationUsername"
        label="Integration user"
        hint="The Microsoft sign-in name of the account Act-On signs in as, e.g. crm.integration@contoso.com."
        error={state.fieldErrors.integrationUsername}
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
        error={state.fieldErrors.password}
      >
        {(aria) => <input {...aria} name="password" type="password" required autoComplete="current-password" className={INPUT_CLASS} />}
      </Field>
      <SubmitButton pendingLabel="Checking the user and reading what exists…">Check and show the plan</SubmitButton>
    </form>
  );
}
