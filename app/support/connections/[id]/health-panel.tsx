"use client";

import { Activity } from "lucide-react";
import type { SupportConnectionDetail } from "@/lib/connections/support-connection-view";
import { HEALTH_CAUSE_LABELS, HEALTH_STATE_LABELS } from "@/lib/domain/connection/health-machine";
import { formatDate, StatusBadge } from "../../console-header";
import { ConsoleTable } from "../../console-table";

/**
 * The connection's health for support: the current state with its cause and the customer's fix, and the latest
 * probes (when, the state after it, the cause, how long it took, and Microsoft's answer, which never holds a secret).
 */
export function HealthPanel({ detail }: { detail: SupportConnectionDetail }) {
  const { health, probes } = detail;
  const unwell = health && health.state !== "healthy";
  return (
    <section
      aria-labelledby="health-heading"
      className={`mb-6 rounded-lg border p-4 ${unwell ? "border-red-300 bg-red-50" : "border-slate-200 bg-white"}`}
      data-health={health?.state ?? "unknown"}
    >
      <h2 id="health-heading" className="flex flex-wrap items-center gap-2 font-semibold">
        <Activity aria-hidden className="h-5 w-5" />
        Health
        {health ? <StatusBadge status={health.state} label={HEALTH_STATE_LABELS[health.state]} /> : null}
        <span className="text-sm font-normal text-slate-700">
          {health ? `since ${formatDate(health.since)}, last checked ${formatDate(health.checkedAt)}` : "Not probed yet"}
        </span>
      </h2>
      {health?.cause ? (
        <div className="mt-2 text-sm">
          <p>
            <span className="text-slate-700">Cause </span>
            <code className="font-mono font-semibold">{health.cause}</code> ({HEALTH_CAUSE_LABELS[health.cause]})
            {health.failures > 1 ? <span className="text-slate-700">, {health.failures} failed probes in a row</span> : null}
          </p>
          <p className="mt-1">
            <strong>Customer&apos;s fix:</strong> {health.fix}
          </p>
        </div>
      ) : null}
      {probes.length ? (
        <ConsoleTable
          label="Probe history table"
          caption={`The latest ${probes.length} health probes, newest first`}
          headings={["When", "State", "Cause", "Duration", "Microsoft's answer"]}
          className="mt-3"
        >
          {probes.map((p, i) => (
            <tr key={`${p.at}-${i}`} className="align-top">
              <td className="px-3 py-2 whitespace-nowrap">{new Date(p.at).toISOString().replace("T", " ").slice(0, 19)} UTC</td>
              <td className="px-3 py-2">
                {p.state ? <StatusBadge status={p.state} label={HEALTH_STATE_LABELS[p.state]} /> : p.ok ? "passed" : "failed"}
              </td>
              <td className="px-3 py-2 font-mono text-xs">{p.cause ?? "—"}</td>
              <td className="px-3 py-2 whitespace-nowrap">{p.durationMs} ms</td>
              <td className="px-3 py-2 font-mono text-xs break-all">{p.detail ?? "—"}</td>
            </tr>
          ))}
        </ConsoleTable>
      ) : null}
    </section>
  );
}
