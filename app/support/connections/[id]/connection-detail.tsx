"use client";

import { Tabs } from "radix-ui";
import { AlertTriangle } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import type { SupportConnectionDetail, SupportRunView } from "@/lib/connections/support-connection-view";
import { AUTH_MODE_LABELS, stepLabel } from "@/lib/connections/support-search";
import { CONNECTION_STATUS_LABELS as STATUS_LABELS } from "@/lib/domain/connection/status";
import { ConsoleHeader, formatDate, StatusBadge } from "../../console-header";
import { CopyButton } from "@/components/ui/copy-button";
import { useSupportSession, type Problem } from "../../support-auth";
import { AdminActions } from "./admin-actions";
import { HealthPanel } from "./health-panel";
import { RotationPanel } from "./rotation-panel";
import { ConsoleTable } from "../../console-table";
import { HEALTH_STATE_LABELS } from "@/lib/domain/connection/health-machine";
import { WebhookDeliveries } from "../../webhook-deliveries";
import { Notice } from "@/components/ui/notice";

const TAB_TRIGGER =
  "rounded-t-md border-b-2 border-transparent px-4 py-2 text-sm font-medium text-slate-700 data-[state=active]:border-blue-700 data-[state=active]:text-blue-900 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2";

/** One connection for support: its state, the timeline of its runs and steps with every error, and its audit log. */
export function ConnectionDetail({ connectionId }: { connectionId: string }) {
  const { api, me } = useSupportSession();
  const [detail, setDetail] = useState<SupportConnectionDetail | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  // Bumped after an admin action, to read the connection again.
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let cancelled = false;
    api<SupportConnectionDetail>(`/api/support/connections/${encodeURIComponent(connectionId)}`).then((r) => {
      if (cancelled) return;
      if (r.ok) {
        setDetail(r.data);
        setProblem(null);
      } else setProblem(r.problem);
    });
    return () => {
      cancelled = true;
    };
  }, [api, connectionId, version]);

  if (problem && !detail) {
    return (
      <div>
        <ConsoleHeader title="Connection" />
        <Notice tone="error">{problem.detail}</Notice>
      </div>
    );
  }
  if (!detail) return <p role="status">Loading the connection…</p>;

  const latestFailure = detail.runs.flatMap((r) => r.steps.filter((s) => s.status === "failed" && s.error).map((s) => ({ run: r, step: s })))[0];
  return (
    <div>
      <ConsoleHeader title={detail.account.name} />
      <dl className="mb-6 grid gap-x-6 gap-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-3">
        <Fact term="Status">
          <StatusBadge status={detail.status} label={STATUS_LABELS[detail.status]} />
        </Fact>
        <Fact term="Health">
          {detail.health ? <StatusBadge status={detail.health.state} label={HEALTH_STATE_LABELS[detail.health.state]} /> : "Not probed"}
        </Fact>
        <Fact term="Act-On account">
          <span className="font-mono">{detail.account.actonAccountId}</span>
        </Fact>
        <Fact term="Auth mode">{AUTH_MODE_LABELS[detail.authMode]}</Fact>
        <Fact term="Environment">
          {detail.environmentName ?? "—"}
          <div className="font-mono text-xs break-all text-slate-600">{detail.environmentUrl}</div>
        </Fact>
        <Fact term="Tenant">
          {detail.tenantDomain ?? "—"}
          <div className="font-mono text-xs text-slate-600">{detail.tenantId}</div>
        </Fact>
        <Fact term="Client id">
          <span className="font-mono text-xs">{detail.clientId ?? "—"}</span>
        </Fact>
        <Fact term="Failing step">{detail.failingStep ? `${stepLabel(detail.failingStep)} (${detail.failingErrorCode})` : "—"}</Fact>
        <Fact term="Last verified">{formatDate(detail.lastVerifiedAt)}</Fact>
        <Fact term="Secret expires">{formatDate(detail.secretExpiresAt)}</Fact>
      </dl>

      {latestFailure ? (
        <section aria-labelledby="cause" className="mb-6 rounded-lg border border-red-300 bg-red-50 p-4">
          <h2 id="cause" className="flex items-center gap-2 font-semibold text-red-900">
            <AlertTriangle aria-hidden className="h-5 w-5" />
            Why it failed: {latestFailure.step.label}
          </h2>
          <p className="mt-2 text-sm text-red-950">{latestFailure.step.error!.message}</p>
          <p className="mt-1 text-sm text-red-950">
            <strong>What to do:</strong> {latestFailure.step.error!.remediation}
          </p>
        </section>
      ) : null}

      <HealthPanel detail={detail} />
      <RotationPanel detail={detail} />

      {me.roles.includes("Support.Admin") ? <AdminActions connectionId={detail.id} onDone={reload} /> : null}

      <Tabs.Root defaultValue="timeline">
        <Tabs.List aria-label="Connection history" className="mb-4 flex gap-2 border-b border-slate-200">
          <Tabs.Trigger value="timeline" className={TAB_TRIGGER}>
            Timeline
          </Tabs.Trigger>
          <Tabs.Trigger value="audit" className={TAB_TRIGGER}>
            Audit log
          </Tabs.Trigger>
          <Tabs.Trigger value="webhooks" className={TAB_TRIGGER}>
            Webhook deliveries
          </Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content
          value="timeline"
          className="focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
        >
          {detail.runs.length === 0 ? (
            <p className="text-slate-700">No setup run yet.</p>
          ) : (
            detail.runs.map((run) => <RunTimeline key={run.id} run={run} />)
          )}
        </Tabs.Content>
        <Tabs.Content
          value="audit"
          className="focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
        >
          <AuditLog detail={detail} />
        </Tabs.Content>
        <Tabs.Content
          value="webhooks"
          className="focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
        >
          <WebhookDeliveries connectionId={detail.id} onRedelivered={reload} />
        </Tabs.Content>
      </Tabs.Root>
    </div>
  );
}

function Fact({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium text-slate-600 uppercase">{term}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}

function RunTimeline({ run }: { run: SupportRunView }) {
  return (
    // Named by its id too: two runs of one kind started in the same minute (a repair right after a connect) would
    // otherwise be two regions of one name, which screen readers cannot tell apart (axe landmark-unique).
    <section
      aria-label={`${run.kind} run of ${formatDate(run.createdAt)} (${run.id})`}
      className="mb-6 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 className="flex flex-wrap items-center gap-2 font-semibold">
        <span className="capitalize">{run.kind}</span> run <StatusBadge status={run.status} />
        <span className="text-sm font-normal text-slate-600">
          started {formatDate(run.startedAt ?? run.createdAt)}
          {run.finishedAt ? `, finished ${formatDate(run.finishedAt)}` : ""}
          {run.approvedBy ? `, approved by ${run.approvedBy}` : ""}
        </span>
      </h2>
      {run.whoChanged.length ? (
        <div className="mt-2 rounded-md bg-amber-50 p-3 text-sm" data-testid="who-changed">
          <p className="text-slate-700">
            What changed in Dynamics 365, from the customer&apos;s audit history (read with their sign-in while planning):
          </p>
          <ul className="mt-1 list-disc pl-5">
            {run.whoChanged.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <ol className="mt-3 space-y-3">
        {run.steps.map((step) => (
          <li key={step.name} className="border-l-4 border-slate-300 pl-3 data-[failed=true]:border-red-600" data-failed={step.status === "failed"}>
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{step.label}</span>
              <StatusBadge status={step.status} />
              <span className="text-xs text-slate-600">
                {step.attempts} attempt{step.attempts === 1 ? "" : "s"}
                {step.startedAt ? ` · ${formatDate(step.startedAt)}` : ""}
                {step.finishedAt ? ` → ${formatDate(step.finishedAt)}` : ""}
              </span>
            </div>
            {step.waitingFor ? <p className="text-sm text-slate-700">Waiting for {step.waitingFor}</p> : null}
            {step.error ? (
              <div className="mt-2 rounded-md bg-slate-50 p-3 text-sm">
                <p>
                  <span className="text-slate-600">Error code </span>
                  <code className="font-mono font-semibold">{step.error.code}</code>
                  {step.error.detail ? <span className="ml-2 font-mono text-xs text-slate-700">{step.error.detail}</span> : null}
                </p>
                <p className="mt-1">{step.error.message}</p>
                <p className="mt-1">
                  <strong>Remediation:</strong> {step.error.remediation}
                </p>
                {step.error.requestIds.length ? (
                  <div className="mt-2">
                    <p className="text-slate-600">Microsoft request ids (quote them to Microsoft support):</p>
                    <ul className="mt-1 space-y-1">
                      {step.error.requestIds.map((id) => (
                        <li key={id} className="flex flex-wrap items-center gap-2">
                          <code className="rounded bg-white px-1 font-mono text-xs select-all">{id}</code>
                          <CopyButton value={id} label={`request id ${id}`} iconOnly />
                        </li>
                      ))}
                    </ul>
                  </div>
                ) : null}
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

function AuditLog({ detail }: { detail: SupportConnectionDetail }) {
  if (detail.audit.length === 0) return <p className="text-slate-700">No audit events.</p>;
  return (
    <ConsoleTable label="Audit log table" caption="Audit log, newest first" headings={["When", "Who", "Action", "Outcome", "Detail"]}>
      {detail.audit.map((e) => (
        <tr key={e.id} className="align-top">
          <td className="px-3 py-2 whitespace-nowrap">{formatDate(e.occurredAt)}</td>
          <td className="px-3 py-2">
            {e.actorType}
            <div className="font-mono text-xs break-all text-slate-600">{e.actorId}</div>
          </td>
          <td className="px-3 py-2 font-mono text-xs">{e.action}</td>
          <td className="px-3 py-2">{e.outcome ?? "—"}</td>
          <td className="px-3 py-2 font-mono text-xs break-all">
            {Object.entries(e.detail)
              .map(([k, v]) => `${k}: ${v}`)
              .join(" · ")}
          </td>
        </tr>
      ))}
    </ConsoleTable>
  );
}
