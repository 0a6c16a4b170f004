"use client";
import { useActionState } from "react";
import { Field, INPUT_CLASS } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { fieldError } from "@/lib/core/forms";
import type { ManualFormState } from "./manual.types";

/** What the admin created, and the portal's proof of it. The secret is never sent back to the browser. */
export function ManualForm(props: {
  action: (previous: ManualFormState, form: FormData) => Promise<ManualFormState>;
  initial: ManualFormState["values"];
}) {
  const [state, formAction] = useActionState(props.action, { status: "idle", values: props.initial });
  const p = state.problem;
  return (
    <form action={formAction} className="max-w-xl space-y-5" noValidate>
      {p ? (
        <Notice tone="error" size="md" title={p.title}>
          <p>{p.fix}</p>
          {p.missingPrivileges?.length ? (
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Missing privileges</caption>
              <thead>
                <tr>
                  <th scope="col">Privilege</th>
                  <th scope="col">Table</th>
                  <th scope="col">Act-On feature</th>
                </tr>
              </thead>
              <tbody>
                {p.missingPrivileges.map((m) => (
                  <tr key={m.privilege}>
                    <td className="font-mono">{m.privilege}</td>
                    <td>{m.table}</td>
                    <td>{m.feature}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {p.detail ? (
            <details className="text-sm">
              <summary>Details for support</summary>
              <p className="font-mono break-all">{p.detail}</p>
              {p.requestIds?.length ? <p className="font-mono break-all">Request ids: {p.requestIds.join(", ")}</p> : null}
            </details>
          ) : null}
        </Notice>
      ) : null}
      <Field
        id="tenant"
        label="Directory (tenant) ID"
        hint="From the app registration's Overview page, or your tenant's domain."
        error={fieldError(state.fieldErrors, "tenant")}
      >
        {(aria) => <input {...aria} name="tenant" required spellCheck={false} defaultValue={state.values.tenant} className={INPUT_CLASS} />}
      </Field>
      <Field id="clientId" label="Application (client) ID" hint="From the same Overview page." error={fieldError(state.fieldErrors, "clientId")}>
        {(aria) => <input {...aria} name="clientId" required spellCheck={false} defaultValue={state.values.clientId} className={INPUT_CLASS} />}
      </Field>
      <Field
        id="clientSecret"
        label="Client secret value"
        hint="The Value column, shown once when you add the secret. Stored encrypted."
        error={fieldError(state.fieldErrors, "clientSecret")}
      >
        {(aria) => <input {...aria} name="clientSecret" type="password" required autoComplete="off" className={INPUT_CLASS} />}
      </Field>
      <Field
        id="environmentUrl"
        label="Environment URL"
        hint="Power Platform admin center › Environments › your environment, e.g. https://contoso.crm.dynamics.com."
        error={fieldError(state.fieldErrors, "environmentUrl")}
      >
        {(aria) => <input {...aria} name="environmentUrl" type="url" required defaultValue={state.values.environmentUrl} className={INPUT_CLASS} />}
      </Field>
      <SubmitButton pendingLabel="Checking with Microsoft…">Check and connect</SubmitButton>
    </form>
  );
}
