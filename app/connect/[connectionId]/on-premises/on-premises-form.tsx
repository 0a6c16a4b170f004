"use client";
import { useActionState } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { Field, INPUT_CLASS } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { describeSignIn } from "@/lib/connect/on-premises-sign-in-words";
import { fieldError } from "@/lib/core/forms";
import type { OnPremisesFormState } from "./on-premises.schema";

/**
 * The on-premises form. First the address, which the portal asks how it signs in; then, with that said in words,
 * the domain user (and for AD FS the registration and its client id). The password is never sent back: after a
 * refused try it is empty and must be typed again.
 */
export function OnPremisesForm(props: {
  action: (previous: OnPremisesFormState, form: FormData) => Promise<OnPremisesFormState>;
  initial: { serverUrl: string; username: string; adfsClientId: string };
  /** The PowerShell that registers Act-On with the customer's AD FS, built with `initial.adfsClientId`. */
  adfsScript: string;
}) {
  const [state, formAction] = useActionState(props.action, { status: "idle", values: props.initial });
  const discovered = state.discovered;
  const words = discovered ? describeSignIn(discovered) : null;
  return (
    <form action={formAction} className="max-w-2xl space-y-5" noValidate>
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
          <input
            {...aria}
            name="serverUrl"
            type="url"
            required
            autoComplete="url"
            readOnly={!!discovered}
            defaultValue={state.values.serverUrl}
            key={discovered ? "discovered" : "asking"}
            className={INPUT_CLASS}
          />
        )}
      </Field>
      {!discovered || !words ? (
        <SubmitButton name="intent" value="discover" pendingLabel="Asking the server how it signs in…">
          Continue
        </SubmitButton>
      ) : (
        <>
          <Notice tone="info" size="md" announce={false} title={words.title}>
            <p>{words.body}</p>
          </Notice>
          {discovered.kind === "adfs" ? (
            <section aria-labelledby="adfs-registration" className="space-y-3">
              <h2 id="adfs-registration" className="text-lg font-semibold text-slate-900">
                Register Act-On with your AD FS
              </h2>
              <p>
                Your administrator runs these commands once: the first part on the Dynamics 365 server, the second on the AD FS server. Then enter the
                client id below.
              </p>
              <pre
                className="overflow-x-auto rounded-md border border-slate-300 bg-slate-50 p-3 text-sm text-slate-900"
                tabIndex={0}
                aria-label="PowerShell commands"
              >
                <code>{props.adfsScript}</code>
              </pre>
              <CopyButton value={props.adfsScript} label="PowerShell commands" />
              <Field
                id="adfsClientId"
                label="AD FS client id"
                hint="The -ClientId registered with Add-AdfsClient (the one in the commands above, unless your administrator used another)."
                error={fieldError(state.fieldErrors, "adfsClientId")}
              >
                {(aria) => (
                  <input {...aria} name="adfsClientId" required spellCheck={false} defaultValue={state.values.adfsClientId} className={INPUT_CLASS} />
                )}
              </Field>
            </section>
          ) : null}
          <Field
            id="username"
            label="Domain user"
            hint="A Dynamics 365 user for Act-On, as DOMAIN\user or user@domain."
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
          <div className="flex flex-wrap gap-3">
            <SubmitButton name="intent" value="connect" pendingLabel="Checking the server…">
              Connect
            </SubmitButton>
            <SubmitButton name="intent" value="change" variant="secondary" pendingLabel="Going back…">
              Use another server address
            </SubmitButton>
          </div>
        </>
      )}
    </form>
  );
}
