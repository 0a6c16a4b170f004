"use client";
import { AlertTriangle, CheckCircle2, Circle, Clock, Hand, Loader2, MinusCircle, RotateCw, XCircle } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import {
  announcements,
  STEP_STATE_LABELS,
  type ChecklistSnapshot,
  type ChecklistStep,
  type RetryState,
  type StepState,
} from "@/lib/connect/checklist";
import { buttonVariants } from "@/components/ui/button-variants";
import { Notice } from "@/components/ui/notice";
import { SubmitButton } from "@/components/ui/submit-button";
import { SupportDetails } from "./support-details";

type Props = {
  initial: ChecklistSnapshot;
  /** GET URL answering the current ChecklistSnapshot as JSON (viewer-scoped, no secrets). */
  stateUrl: string;
  retryAction: (form: FormData) => Promise<RetryState>;
  /** Where to go once the connection is active (none for a colleague's hand-off: sync options are not theirs). */
  continueHref: string | null;
  /** The way on's label (a re-check goes back to the status page, not to sync options). */
  continueLabel?: string;
  /** Said under "Connected" instead of the way on (a colleague's hand-off). */
  doneNote?: string;
  /** Starts a Microsoft sign-in (a failed run's retry needs a fresh one). */
  signInHref: string;
  /** Offered beside Retry when the run failed: another way through (legacy: try another integration user). */
  alternative?: { href: string; label: string; note: string };
  pollMs?: number;
};

const ICONS: Record<StepState, React.ReactNode> = {
  waiting: <Circle aria-hidden className="h-5 w-5 text-slate-500" />,
  running: <Loader2 aria-hidden className="h-5 w-5 animate-spin text-blue-700" />,
  done: <CheckCircle2 aria-hidden className="h-5 w-5 text-emerald-700" />,
  skipped: <MinusCircle aria-hidden className="h-5 w-5 text-slate-500" />,
  needsYou: <Hand aria-hidden className="h-5 w-5 text-amber-700" />,
  retrying: <Clock aria-hidden className="h-5 w-5 text-blue-700" />,
  failed: <XCircle aria-hidden className="h-5 w-5 text-red-700" />,
};

/**
 * The live checklist: polls the run's state while anything can still change, announces each step change to screen
 * readers (aria-live), and offers Retry on a failed run. Everything it shows comes from the server.
 */
export function LiveChecklist({
  initial,
  stateUrl,
  retryAction,
  continueHref,
  continueLabel = "Continue: choose what syncs",
  doneNote,
  signInHref,
  alternative,
  pollMs = 1000,
}: Props) {
  const [snapshot, setSnapshot] = useState(initial);
  const [spoken, setSpoken] = useState<string>("");
  const [stale, setStale] = useState(false);
  const previous = useRef<ChecklistSnapshot>(initial);
  const [retryError, setRetryError] = useState<string | null>(null);

  // A successful retry answers the run's fresh state (pending again), which restarts polling below.
  const submitRetry = async (form: FormData) => {
    const result = await retryAction(form);
    setRetryError(result.status === "error" ? (result.message ?? null) : null);
    if (result.snapshot) {
      previous.current = result.snapshot;
      setSnapshot(result.snapshot);
      setSpoken("Retrying the failed step.");
    }
  };

  useEffect(() => {
    if (snapshot.settled) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const res = await fetch(stateUrl, { cache: "no-store", headers: { accept: "application/json" } });
        if (!res.ok) throw new Error(String(res.status));
        const next = (await res.json()) as ChecklistSnapshot;
        if (cancelled) return;
        const lines = announcements(previous.current, next);
        previous.current = next;
        setSnapshot(next);
        setStale(false);
        if (lines.length) setSpoken(lines.join(" "));
        if (next.settled) return;
      } catch {
        if (!cancelled) setStale(true);
      }
      if (!cancelled) timer = setTimeout(poll, pollMs);
    };
    timer = setTimeout(poll, pollMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [snapshot.settled, snapshot.runId, stateUrl, pollMs]);

  const active = snapshot.runStatus === "succeeded" && snapshot.connectionStatus === "active";
  // A disconnect's run ends with the connection disconnected: said so, with the same way on.
  const disconnected = snapshot.runStatus === "succeeded" && snapshot.connectionStatus === "disconnected";
  return (
    <div className="space-y-6">
      <p aria-live="polite" aria-atomic="true" className="sr-only" data-testid="checklist-announcer">
        {spoken}
      </p>
      <Essentials snapshot={snapshot} />
      <ol className="space-y-3" aria-label="Setup steps">
        {snapshot.steps.map((step, index) => (
          <StepRow
            key={step.name}
            step={step}
            index={index}
            runId={snapshot.runId}
            retry={
              step.state === "failed" && snapshot.runStatus === "failed" && snapshot.retryNeedsSignIn ? (
                <div className="mt-3 space-y-2">
                  <p className="text-sm text-slate-800">
                    To retry, sign in with Microsoft again: the setup acts as you, and your earlier sign-in was deleted when the step failed.
                  </p>
                  <a href={signInHref} className={buttonVariants()}>
                    Sign in with Microsoft to retry
                  </a>
                </div>
              ) : step.state === "failed" && snapshot.runStatus === "failed" ? (
                <form action={submitRetry} className="mt-3 flex flex-wrap items-center gap-3">
                  <input type="hidden" name="runId" value={snapshot.runId} />
                  <SubmitButton pendingLabel="Retrying…">
                    <RotateCw aria-hidden className="h-4 w-4" />
                    Retry this step
                  </SubmitButton>
                  {retryError ? (
                    <p role="alert" className="text-sm text-red-800">
                      {retryError}
                    </p>
                  ) : null}
                </form>
              ) : null
            }
          />
        ))}
      </ol>
      {alternative && snapshot.runStatus === "failed" ? (
        <p className="text-sm text-slate-800">
          {alternative.note}{" "}
          <a href={alternative.href} className={buttonVariants({ variant: "link" })}>
            {alternative.label}
          </a>
        </p>
      ) : null}
      {stale ? (
        <Notice tone="warning">
          <p className="flex items-center gap-2">
            <AlertTriangle aria-hidden className="h-4 w-4" /> We could not refresh the checklist; trying again. Reloading the page is safe.
          </p>
        </Notice>
      ) : null}
      {active || disconnected ? (
        <Notice
          tone="success"
          size="md"
          title={
            disconnected
              ? "Disconnected. Act-On no longer holds any credential for this connection."
              : "Connected. Your Dynamics connection is active."
          }
        >
          {doneNote ? <p>{doneNote}</p> : null}
          {continueHref ? (
            <a href={continueHref} className={buttonVariants({ extra: "mt-1" })}>
              {continueLabel}
            </a>
          ) : null}
        </Notice>
      ) : null}
    </div>
  );
}

function Essentials({ snapshot }: { snapshot: ChecklistSnapshot }) {
  const e = snapshot.essentials;
  const rows: [string, string | null][] = [
    [
      "Environment",
      e.environment ? (e.environmentUrl && e.environment !== e.environmentUrl ? `${e.environment} (${e.environmentUrl})` : e.environment) : null,
    ],
    ["Microsoft tenant", e.tenantId],
    ["App (client) id", e.clientId],
    ["Security role", e.securityRole],
  ];
  return (
    <dl className="grid gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-2">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt className="text-slate-600">{label}</dt>
          <dd className="font-medium break-all">{value ?? "Not yet known"}</dd>
        </div>
      ))}
    </dl>
  );
}

function StepRow({ step, index, runId, retry }: { step: ChecklistStep; index: number; runId: string; retry: React.ReactNode }) {
  const tone =
    step.state === "failed"
      ? "border-red-300 bg-red-50"
      : step.state === "needsYou"
        ? "border-amber-300 bg-amber-50"
        : step.state === "running" || step.state === "retrying"
          ? "border-blue-300 bg-blue-50"
          : "border-slate-200 bg-white";
  return (
    <li className={`rounded-lg border p-4 ${tone}`} data-step={step.name} data-state={step.state}>
      <div className="flex items-start gap-3">
        <span className="mt-0.5">{ICONS[step.state]}</span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 className="font-medium">
              <span className="sr-only">Step {index + 1}: </span>
              {step.label}
            </h2>
            <span className="text-sm font-medium text-slate-700" data-testid="step-state">
              {STEP_STATE_LABELS[step.state]}
            </span>
          </div>
          {step.message ? <p className="mt-1 text-sm text-slate-800">{step.message}</p> : null}
          {step.action?.kind === "missingRole" ? (
            <div className="mt-2 rounded-md border border-amber-300 bg-white p-3 text-sm">
              <p>
                <strong>Missing role:</strong> {step.action.role}
              </p>
              <p>
                <strong>Who can grant it:</strong> {step.action.grantedBy}
              </p>
              <p>{step.action.howTo}</p>
            </div>
          ) : null}
          {step.action?.kind === "adminConsent" ? (
            <a href={step.action.url} className={buttonVariants({ extra: "mt-2" })}>
              Grant consent at Microsoft
            </a>
          ) : null}
          {step.error ? (
            <SupportDetails code={step.error.code} detail={step.error.detail} requestIds={step.error.requestIds} runId={runId} step={step.name} />
          ) : null}
          {retry}
        </div>
      </div>
    </li>
  );
}
