"use client";
import { ArrowRight } from "lucide-react";
import { useActionState, useId } from "react";
import type { FormState } from "@/app/connect/[connectionId]/actions";
import { SubmitButton } from "./submit-button";

export type EnvironmentChoice = { url: string; name: string; region: string | null; isUserSysAdmin: boolean; namedByActOn?: boolean };

type Props = {
  environments: EnvironmentChoice[];
  /** Why the list is empty or missing (Discovery failed), shown above the paste field. */
  listProblem: string | null;
  /** The environment Act-On's link named when Microsoft does not list it for this admin: offered in the paste field. */
  unlistedSuggestion?: string | null;
  action: (state: FormState, form: FormData) => Promise<FormState>;
};

/**
 * The environments Microsoft's Global Discovery Service lists for the admin, each with its own button (one click
 * picks it and prepares the plan; a single environment is the preselected, primary choice), and a field to paste a
 * URL instead. Both submit to the server action, which starts the plan; nothing is written at Microsoft yet.
 */
export function EnvironmentPicker({ environments, listProblem, unlistedSuggestion = null, action }: Props) {
  const [state, submit] = useActionState(action, { error: null });
  const pastedId = useId();
  const pastedHelpId = useId();
  const pastedErrorId = useId();
  const single = environments.length === 1;
  return (
    <div className="space-y-8">
      {state.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
          {state.error}
        </p>
      ) : null}
      {environments.length ? (
        <section aria-labelledby="environments-heading" className="space-y-3">
          <h2 id="environments-heading" className="text-lg font-semibold">
            {single ? "Your Dynamics 365 environment" : `Your Dynamics 365 environments (${environments.length})`}
          </h2>
          <ul className="grid gap-3 sm:grid-cols-2">
            {environments.map((env) => (
              <li key={env.url}>
                <form
                  action={submit}
                  className={`flex h-full flex-col gap-3 rounded-lg border bg-white p-4 ${single ? "border-blue-700 ring-2 ring-blue-700" : "border-slate-300"}`}
                >
                  <input type="hidden" name="environment" value={env.url} />
                  <div className="min-w-0 flex-1">
                    <p className="font-medium">
                      {env.name}
                      {env.namedByActOn ? (
                        <span className="ml-2 rounded bg-blue-100 px-1.5 py-0.5 text-xs text-blue-900">Named by Act-On</span>
                      ) : null}
                    </p>
                    <p className="text-sm break-all text-slate-700">{env.url}</p>
                    <p className="text-xs text-slate-700">
                      {env.region ? `Region ${env.region} · ` : null}
                      {env.isUserSysAdmin ? "you are a System Administrator" : "you are not a System Administrator here"}
                    </p>
                  </div>
                  <SubmitButton pendingLabel="Reading what exists…" variant={single ? "primary" : "secondary"} ariaLabel={`Connect ${env.name}`}>
                    Connect {env.name} <ArrowRight aria-hidden className="h-4 w-4" />
                  </SubmitButton>
                </form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {listProblem ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          {listProblem}
        </p>
      ) : null}
      {unlistedSuggestion ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950" data-testid="unlisted-suggestion">
          Act-On named <span className="break-all font-medium">{unlistedSuggestion}</span> for your account, but Microsoft does not list it for you.
          If it is right, use it below; you need to be a user of that environment.
        </p>
      ) : null}
      <form action={submit} className="space-y-2" noValidate>
        <label htmlFor={pastedId} className="block font-medium">
          {environments.length ? "Or paste the environment's URL" : "Paste your environment's URL"}
        </label>
        <p id={pastedHelpId} className="text-sm text-slate-700">
          Find it in Power Platform admin center › Environments › your environment › Environment URL.
        </p>
        <div className="flex flex-wrap gap-3">
          <input
            id={pastedId}
            name="pastedUrl"
            type="url"
            inputMode="url"
            required
            defaultValue={unlistedSuggestion ?? undefined}
            placeholder="https://contoso.crm.dynamics.com"
            aria-describedby={state.fieldErrors?.pastedUrl ? `${pastedHelpId} ${pastedErrorId}` : pastedHelpId}
            aria-invalid={state.fieldErrors?.pastedUrl ? true : undefined}
            className="min-w-0 flex-1 rounded-md border border-slate-500 px-3 py-2 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
          />
          <SubmitButton pendingLabel="Reading what exists…" variant="secondary">
            Use this URL
          </SubmitButton>
        </div>
        {state.fieldErrors?.pastedUrl ? (
          <p id={pastedErrorId} className="text-sm text-red-800">
            {state.fieldErrors.pastedUrl}
          </p>
        ) : null}
      </form>
    </div>
  );
}
