"use client";
import { useActionState } from "react";
import type { DisconnectFormState } from "./disconnect.types";

/** The confirmation's button and the optional removals; the list above it says exactly what goes. */
export function DisconnectForm(props: {
  action: (previous: DisconnectFormState, form: FormData) => Promise<DisconnectFormState>;
  canDisableUser: boolean;
  canDeleteApp: boolean;
}) {
  const [state, formAction, pending] = useActionState(props.action, { message: null });
  return (
    <form action={formAction} className="space-y-4">
      {state.message ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-900">
          {state.message}
        </p>
      ) : null}
      <input type="hidden" name="confirm" value="yes" />
      <fieldset className="space-y-2">
        <legend className="font-medium">Also remove (optional)</legend>
        {props.canDisableUser ? (
          <label className="flex items-start gap-2">
            <input type="checkbox" name="disableApplicationUser" className="mt-1 h-4 w-4" />
            <span>Disable the application user in Dynamics 365 (reversible: a later connection enables it again)</span>
          </label>
        ) : null}
        {props.canDeleteApp ? (
          <label className="flex items-start gap-2">
            <input type="checkbox" name="deleteApp" className="mt-1 h-4 w-4" />
            <span>Delete the “Act-On Integration” app registration (Microsoft keeps it restorable for 30 days)</span>
          </label>
        ) : null}
      </fieldset>
      <button
        type="submit"
        disabled={pending}
        className="inline-flex items-center rounded-md bg-red-700 px-4 py-2 font-semibold text-white hover:bg-red-800 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-red-700 disabled:opacity-60"
      >
        {pending ? "Disconnecting…" : "Disconnect"}
      </button>
    </form>
  );
}
