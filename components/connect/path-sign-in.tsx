import { ShieldCheck } from "lucide-react";
import { FOCUS_RING } from "@/components/ui/button-variants";
import { SignInPermissionList } from "@/components/connect/sign-in-permission-list";
import { SignInStartForm } from "@/components/connect/sign-in-start-form";
import type { SignInReturnPage } from "@/lib/sessions/sign-in-return";

/**
 * A path's own sign-in: what Microsoft will be asked for, one plain line each, and the button that starts the
 * sign-in (POST /auth/sign-in/start, origin-checked), which comes back to this path's page (`then`).
 */
export function PathSignIn({ then, why }: { then: SignInReturnPage; why: string }) {
  return (
    <section aria-labelledby="path-sign-in-heading" className="rounded-lg border border-slate-200 bg-white p-6">
      <h2 id="path-sign-in-heading" className="flex items-center gap-2 text-lg font-semibold">
        <ShieldCheck aria-hidden className="h-5 w-5 text-blue-700" /> First, sign in with Microsoft
      </h2>
      <p className="mt-2 text-slate-800">{why}</p>
      <details className="mt-3 text-sm">
        <summary className={`cursor-pointer rounded font-medium text-blue-800 ${FOCUS_RING}`}>What Microsoft will ask you to allow</summary>
        <SignInPermissionList />
      </details>
      <p className="mt-3 text-sm text-slate-700">
        Nothing is changed in your tenant until you approve the plan. Your Microsoft sign-in is kept encrypted on Act-On&apos;s servers, never in your
        browser.
      </p>
      <SignInStartForm then={then} className="mt-4" />
    </section>
  );
}
