"use client";

import { Send } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { formatDate, StatusBadge } from "./console-header";
import { useSupportSession, type Problem } from "./support-auth";
import { Button } from "@/components/ui/button";
import type { DeliveryView } from "@/lib/webhooks/manage-webhook-endpoints";
import { ConsoleTable } from "./console-table";

/** acton-api's delivery view (`WebhookDelivery` in /api/v1/openapi.json). */
type Delivery = DeliveryView;

/**
 * Webhook deliveries, newest first, from the Act-On API's delivery log (the same staff token; it accepts the Support
 * roles): a connection's, or an endpoint's; with Support.Admin's redelivery (audited there with the support person).
 */
export function WebhookDeliveries({
  connectionId,
  endpointId,
  onRedelivered,
}:
  | { connectionId: string; endpointId?: never; onRedelivered?: () => void }
  | { endpointId: string; connectionId?: never; onRedelivered?: () => void }) {
  const listPath = endpointId
    ? `/api/v1/webhooks/endpoints/${encodeURIComponent(endpointId)}/deliveries?limit=50`
    : `/api/v1/connections/${encodeURIComponent(connectionId!)}/webhook-deliveries?limit=50`;
  const { api, me } = useSupportSession();
  const [state, setState] = useState<{ items?: Delivery[]; problem?: Problem }>({});
  const [version, setVersion] = useState(0);
  const [outcome, setOutcome] = useState<string | null>(null);
  const canRedeliver = me.roles.includes("Support.Admin");

  useEffect(() => {
    let cancelled = false;
    api<{ items: Delivery[] }>(listPath).then((r) => {
      if (!cancelled) setState(r.ok ? { items: r.data.items } : { problem: r.problem });
    });
    return () => {
      cancelled = true;
    };
  }, [api, listPath, version]);

  async function redeliver(id: string) {
    const r = await api<Delivery>(`/api/v1/webhooks/deliveries/${encodeURIComponent(id)}/redeliveries`, { method: "POST", body: "{}" });
    setOutcome(r.ok ? "Queued for delivery again (same webhook-id)." : r.problem.detail);
    setVersion((v) => v + 1);
    // The request is in the audit log now: the page's audit tab reloads with it.
    if (r.ok) onRedelivered?.();
  }

  if (state.problem)
    return (
      <p role="alert" className="text-red-800">
        {state.problem.detail}
      </p>
    );
  if (!state.items) return <p role="status">Loading deliveries…</p>;
  if (state.items.length === 0)
    return <p className="text-slate-700">No webhook event has been delivered {endpointId ? "to this endpoint" : "for this connection"} yet.</p>;
  return (
    <div>
      <div role="status" aria-live="polite" className="mb-2 text-sm text-slate-800">
        {outcome}
      </div>
      <ConsoleTable
        label="Webhook deliveries table"
        caption="Webhook deliveries, newest first"
        headings={[
          "Event",
          ...(endpointId ? ["Connection"] : []),
          "Status",
          "Attempts",
          "Last attempt",
          "Receiver said",
          ...(canRedeliver ? ["Action"] : []),
        ]}
      >
        {state.items.map((d) => (
          <tr key={d.id} className="align-top">
            <td className="px-3 py-2">
              <span className="font-mono text-xs">{d.eventType}</span>
              <div className="text-xs text-slate-600">{formatDate(d.createdAt)}</div>
            </td>
            {endpointId ? (
              <td className="px-3 py-2">
                <Link
                  href={`/support/connections/${encodeURIComponent(d.connectionId)}`}
                  className="font-mono text-xs text-blue-800 underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
                >
                  {d.connectionId}
                </Link>
              </td>
            ) : null}
            <td className="px-3 py-2">
              <StatusBadge status={d.status === "pending" ? "waiting" : d.status === "succeeded" ? "succeeded" : "failed"} label={d.status} />
            </td>
            <td className="px-3 py-2">{d.attempts}</td>
            <td className="px-3 py-2 whitespace-nowrap">{formatDate(d.lastAttemptAt)}</td>
            <td className="px-3 py-2 font-mono text-xs break-all">{d.lastStatusCode ?? d.lastError ?? "—"}</td>
            {canRedeliver ? (
              <td className="px-3 py-2">
                <Button variant="secondary" onClick={() => redeliver(d.id)}>
                  <Send aria-hidden className="h-4 w-4" />
                  Redeliver
                </Button>
              </td>
            ) : null}
          </tr>
        ))}
      </ConsoleTable>
    </div>
  );
}
