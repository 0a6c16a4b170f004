import { INPUT_CLASS } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { adminConsentUrlFromEnv } from "@/lib/sessions/sign-in-config";
import { SIGN_IN_NOTICES, signInOutcomeSchema } from "@/lib/sessions/sign-in-outcome";

/**
 * What happened to a Microsoft sign-in that did not complete, and what to do, from the `?signin=<outcome>` the
 * callback adds. The checklist renders it: `<SignInNotice outcome={searchParams.signin} />`. Unknown values render
 * nothing. Server component (the admin-consent link is built from configuration). `tenant` is the connection's
 * Microsoft tenant when known: the approval link then goes to that organization instead of `organizations`.
 */
export function SignInNotice({ outcome, tenant }: { outcome: string | string[] | undefined; tenant?: string | null }) {
  const parsed = signInOutcomeSchema.safeParse(outcome);
  if (!parsed.success) return null;
  const notice = SIGN_IN_NOTICES[parsed.data];
  const consentUrl = parsed.data === "consent_required" ? adminConsentUrlFromEnv(tenant) : null;
  return (
    <Notice tone="warning" size="md" aria-labelledby="sign-in-notice-title">
      <h2 id="sign-in-notice-title" className="text-lg font-semibold">
        {notice.title}
      </h2>
      <p className="mt-2">{notice.body}</p>
      <ol className="mt-3 list-decimal space-y-1 pl-6">
        {notice.nextSteps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      {consentUrl ? (
        <div className="mt-4 space-y-2">
          <label htmlFor="admin-consent-url" className="block font-medium">
            Approval link for your Global Administrator
          </label>
          <textarea id="admin-consent-url" readOnly rows={3} value={consentUrl} className={`${INPUT_CLASS} font-mono text-sm`} />
          <p>
            <a href={consentUrl} className="text-blue-800 underline" rel="noreferrer">
              Open the approval page (if you are a Global Administrator with another account)
            </a>
          </p>
        </div>
      ) : null}
    </Notice>
  );
}
