"use client";

import { RefreshCw } from "lucide-react";
import type { SupportConnectionDetail } from "@/lib/connections/support-connection-view";
import { formatDate } from "../../console-header";

/**
 * The connection's latest certificate rotation for support: its phase, and while it fails, the code, Microsoft's
 * answer and when it is tried again (Act-On got `connection.credential_rotation_failed` at the first failure).
 */
export function RotationPanel({ detail }: { detail: SupportConnectionDetail }) {
  const { rotation } = detail;
  if (!rotation) return null;
  const failing = rotation.lastErrorCode !== null && rotation.phase !== "done";
  return (
    <section
      aria-labelledby="rotation-heading"
      className={`mb-6 rounded-lg border p-4 ${failing ? "border-red-300 bg-red-50" : "border-slate-200 bg-white"}`}
      data-rotation={failing ? "failing" : rotation.phase}
    >
      <h2 id="rotation-heading" className="flex flex-wrap items-center gap-2 font-semibold">
        <RefreshCw aria-hidden className="h-5 w-5" />
        Certificate rotation
        <span className="text-sm font-normal text-slate-700">started {formatDate(rotation.startedAt)}</span>
      </h2>
      <p className="mt-2 text-sm">{rotation.phaseLabel}</p>
      {failing ? (
        <p className="mt-1 text-sm">
          <strong>Failing:</strong> <code className="font-mono font-semibold">{rotation.lastErrorCode}</code> after {rotation.attempts}{" "}
          {rotation.attempts === 1 ? "attempt" : "attempts"}; tried again {formatDate(rotation.nextAttemptAt)}. The connection keeps its current
          certificate meanwhile.
          {rotation.lastErrorDetail ? (
            <span className="mt-1 block break-all font-mono text-xs text-slate-700">{rotation.lastErrorDetail}</span>
          ) : null}
        </p>
      ) : null}
      {rotation.phase === "switched" && rotation.removeOldAfter ? (
        <p className="mt-1 text-sm text-slate-700">The old certificate is removed after {formatDate(rotation.removeOldAfter)}.</p>
      ) : null}
      {!rotation.newKeyIdKnown ? (
        <p className="mt-1 text-sm">
          Microsoft&apos;s answer to addKey was lost, so the new certificate&apos;s key id is unknown: the app cannot read its own key list, so the
          next rotation cannot remove it and it may stay on the app until it expires. A repair (Reconnect and fix, with the customer&apos;s
          administrator signed in) finds it by its thumbprint and records its key id.
        </p>
      ) : null}
    </section>
  );
}
