"use client";
import { ArrowRight } from "lucide-react";
import { useActionState, useId } from "react";
import { fieldError, type FormState } from "@/lib/core/forms";
import { Field, INPUT_BASE } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";

type EnvironmentChoice = { url: string; name: string; region: string | null; isUserSysAdmin: boolean; namedByActOn?: boolean };

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
  const [state, submit] = useActionState(action, { status: "idle" });
  const pastedId = useId();
  const single = environments.length === 1;
  return (
    <div className="space-y-8">
      {state.status === "error" && state.message ? <Notice tone="error">{state.message}</Notice> : null}
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
                  <SubmitButton pendingLabel="Reading what exists…" variant={single ? "primary" : "secondary"} aria-label={`Connect ${env.name}`}>
                    Connect {env.name} <ArrowRight aria-hidden className="h-4 w-4" />
                  </SubmitButton>
                </form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {listProblem ? <Notice tone="warning">{listProblem}</Notice> : null}
      {unlistedSuggestion ? (
        <Notice tone="warning" data-testid="unlisted-suggestion">
          Act-On named <span className="break-all font-medium">{unlistedSuggestion}</span> for your account, but Microsoft does not list it for you.
          If it is right, use it below; you need to be a user of that environment.
        </Notice>
      ) : null}
      <form action={submit} noValidate>
        <Field
          id={pastedId}
          label={environments.length ? "Or paste the environment's URL" : "Paste your environment's URL"}
          hint="Find it in Power Platform admin center › Environments › your environment › Environment URL."
          error={fieldError(state.fieldErrors, "pastedUrl")}
          className="space-y-2"
        >
          {(control) => (
            <div className="flex flex-wrap gap-3">
              <input
                {...control}
                name="pastedUrl"
                type="url"
                inputMode="url"
                required
                defaultValue={unlistedSuggestion ?? undefined}
                placeholder="https://contoso.crm.dynamics.com"
                className={`${INPUT_BASE} min-w-0 flex-1`}
              />
              <SubmitButton pendingLabel="Reading what exists…" variant="secondary">
                Use this URL
              </SubmitButton>
            </div>
          )}
        </Field>
      </form>
    </div>
  );
}
