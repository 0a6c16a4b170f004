"use client";
import { useActionState } from "react";
import { FOCUS_RING } from "@/components/ui/button-variants";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/core/forms";

/** The confirmation's button and the optional removals; the list above it says exactly what goes. */
export function DisconnectForm(props: {
  action: (previous: FormState, form: FormData) => Promise<FormState>;
  canDisableUser: boolean;
  canDeleteApp: boolean;
  /** Act-On's own connector app: its application user always goes, and the app to remove is its enterprise application. */
  actonConnector: boolean;
}) {
  const [state, formAction] = useActionState(props.action, { status: "idle" });
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" && state.message ? <Notice tone="error">{state.message}</Notice> : null}
      <input type="hidden" name="confirm" value="yes" />
      <fieldset className="space-y-2">
        <legend className="font-medium">Also remove (optional)</legend>
        {props.actonConnector ? (
          <p className="text-slate-700">
            The Act-On Connector&apos;s application user in Dynamics 365 is always disabled: Act-On then has no access to your data.
          </p>
        ) : null}
        {props.canDisableUser && !props.actonConnector ? (
          <label className="flex items-start gap-2">
            <input type="checkbox" name="disableApplicationUser" className={`mt-1 h-4 w-4 accent-blue-700 ${FOCUS_RING}`} />
            <span>Disable the application user in Dynamics 365 (reversible: a later connection enables it again)</span>
          </label>
        ) : null}
        {props.canDeleteApp ? (
          <label className="flex items-start gap-2">
            <input type="checkbox" name="deleteApp" className={`mt-1 h-4 w-4 accent-blue-700 ${FOCUS_RING}`} />
            <span>
              {props.actonConnector
                ? "Remove the “Act-On Connector” enterprise application from your organization (needs an Application Administrator sign-in; otherwise remove it in Microsoft Entra admin center › Enterprise applications)"
                : "Delete the “Act-On Integration” app registration (Microsoft keeps it restorable for 30 days)"}
            </span>
          </label>
        ) : null}
      </fieldset>
      <SubmitButton variant="destructive" pendingLabel="Disconnecting…">
        Disconnect
      </SubmitButton>
    </form>
  );
}
