import { Building2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Field, INPUT_CLASS } from "@/components/ui/field";

/**
 * "Sign in to another organization": for a guest or partner admin whose account lives in another tenant than the
 * customer's. Naming the organization makes Microsoft sign them in to it (its authority), not to their home tenant.
 * A plain form (no script): it posts to the same origin-checked start route as the main button.
 */
export function SignInOtherOrganization({ className }: { className?: string }) {
  return (
    <details className={className}>
      <summary className="cursor-pointer font-medium text-blue-800">Sign in to another organization</summary>
      <form method="post" action="/auth/sign-in/start" className="mt-3 space-y-3">
        <p className="text-sm text-slate-700">
          Are you a guest or a partner (delegated) administrator of the organization whose Dynamics 365 you are connecting? Your account lives in your
          own organization, so name theirs: Microsoft then signs you in to it.
        </p>
        <Field id="organization" label="The organization's domain or tenant id" hint="For example contoso.onmicrosoft.com, contoso.com or a GUID.">
          {(control) => (
            <input {...control} name="organization" required autoComplete="off" spellCheck={false} inputMode="url" className={INPUT_CLASS} />
          )}
        </Field>
        <Button type="submit" variant="secondary">
          <Building2 aria-hidden className="h-4 w-4" />
          Sign in to that organization
        </Button>
      </form>
    </details>
  );
}
