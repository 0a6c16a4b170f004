"use client";
import { buttonVariants } from "@/components/ui/button-variants";

/**
 * What a journey page shows when loading it failed unexpectedly: in the admin's words, with a way to try again and
 * the digest support can look up (never the error's text, which could carry internals).
 */
export function RouteError({ what, error, reset }: { what: string; error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="space-y-4 rounded-lg border border-red-300 bg-red-50 p-6">
      <h1 className="text-2xl font-bold text-red-900">{what}</h1>
      <p className="text-red-950">
        Nothing was lost: your connection&apos;s progress is kept on our side. Try again in a moment; if it keeps failing, contact Act-On support
        {error.digest ? (
          <>
            {" "}
            and quote the reference <span className="font-mono">{error.digest}</span>
          </>
        ) : null}
        .
      </p>
      <button type="button" onClick={reset} className={buttonVariants()}>
        Try again
      </button>
    </div>
  );
}
