"use client";

import { useEffect, useState } from "react";
import { ConsoleHeader } from "../../console-header";
import { useSupportSession, type Problem } from "../../support-auth";
import { WebhookDeliveries } from "../../webhook-deliveries";
import type { Endpoint } from "../webhook-endpoints";
import { Notice } from "@/components/ui/notice";

/** One endpoint's delivery log, newest first, with Support.Admin's redelivery. */
export function EndpointDeliveries({ endpointId }: { endpointId: string }) {
  const { api } = useSupportSession();
  const [state, setState] = useState<{ endpoint?: Endpoint; problem?: Problem }>({});

  useEffect(() => {
    let cancelled = false;
    api<Endpoint>(`/api/v1/webhooks/endpoints/${encodeURIComponent(endpointId)}`).then((r) => {
      if (!cancelled) setState(r.ok ? { endpoint: r.data } : { problem: r.problem });
    });
    return () => {
      cancelled = true;
    };
  }, [api, endpointId]);

  if (state.problem)
    return (
      <div>
        <ConsoleHeader title="Webhook deliveries" />
        <Notice tone="error">{state.problem.detail}</Notice>
      </div>
    );
  if (!state.endpoint) return <p role="status">Loading the endpoint…</p>;
  return (
    <div>
      <ConsoleHeader title="Webhook deliveries" />
      <p className="mb-4 font-mono text-sm break-all">
        {state.endpoint.url} {state.endpoint.enabled ? null : <span className="font-sans text-amber-900">(paused)</span>}
      </p>
      <WebhookDeliveries endpointId={endpointId} />
    </div>
  );
}
