"use client";

import { OutcomeStatus, problemText, type Outcome } from "../action-outcome";
import { AlertDialog, Label, Switch } from "radix-ui";
import { KeyRound, Plus, Send, Trash2 } from "lucide-react";
import Link from "next/link";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { ConsoleHeader, formatDate } from "../console-header";
import { FIELD, OVERLAY, PANEL } from "../console-styles";
import { CopyButton } from "@/components/ui/copy-button";
import { DialogField, FormDialog } from "../form-dialog";
import { useSupportSession, type Problem } from "../support-auth";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES } from "@/lib/domain/webhook-outbox/webhook-events";
import { Button } from "@/components/ui/button";
import type { EndpointView } from "@/lib/webhooks/manage-webhook-endpoints";

/** acton-api's endpoint view (`WebhookEndpoint` in /api/v1/openapi.json): never a secret's value. */
export type Endpoint = EndpointView;

const EVENT_TYPES = WEBHOOK_EVENT_TYPES.map((value) => ({ value, label: WEBHOOK_EVENT_LABELS[value] }));

/**
 * Where Act-On's webhooks go: every endpoint, and for Support.Admin adding one (its signing secret shown once),
 * switching it off and on, a test event, rotating its secret and deleting it. Every change is made through the
 * Act-On API with the staff member's token and audited there.
 */
export function WebhookEndpoints() {
  const { api, me } = useSupportSession();
  const isAdmin = me.roles.includes("Support.Admin");
  const [state, setState] = useState<{ items?: Endpoint[]; problem?: Problem }>({});
  const [version, setVersion] = useState(0);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let cancelled = false;
    api<{ items: Endpoint[] }>("/api/v1/webhooks/endpoints").then((r) => {
      if (!cancelled) setState(r.ok ? { items: r.data.items } : { problem: r.problem });
    });
    return () => {
      cancelled = true;
    };
  }, [api, version]);

  return (
    <div>
      <ConsoleHeader title="Webhook endpoints" />
      <p className="mb-4 max-w-3xl text-sm text-slate-700">
        Act-On&apos;s servers learn each connection&apos;s status changes and failed steps here, signed with the Standard Webhooks convention. A
        receiver must be an HTTPS address on the public internet.
      </p>
      {isAdmin ? (
        <div className="mb-4">
          <AddEndpointDialog onAdded={reload} />
        </div>
      ) : null}
      <OutcomeStatus outcome={outcome} className="mb-3" />
      {state.problem ? (
        <p role="alert" className="text-red-800">
          {state.problem.detail}
        </p>
      ) : !state.items ? (
        <p role="status">Loading endpoints…</p>
      ) : state.items.length === 0 ? (
        <p className="text-slate-700">No webhook endpoint is configured: Act-On&apos;s servers hear of changes only by polling the API.</p>
      ) : (
        <ul className="space-y-4">
          {state.items.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} isAdmin={isAdmin} onOutcome={setOutcome} onChanged={reload} />
          ))}
        </ul>
      )}
    </div>
  );
}

function EndpointCard({
  endpoint,
  isAdmin,
  onOutcome,
  onChanged,
}: {
  endpoint: Endpoint;
  isAdmin: boolean;
  onOutcome: (o: Outcome) => void;
  onChanged: () => void;
}) {
  const { api } = useSupportSession();
  const base = `/api/v1/webhooks/endpoints/${encodeURIComponent(endpoint.id)}`;
  const [busy, setBusy] = useState(false);
  const switchId = `enabled-${endpoint.id}`;

  async function setEnabled(enabled: boolean) {
    setBusy(true);
    const r = await api<Endpoint>(base, { method: "PATCH", body: JSON.stringify({ enabled }) });
    setBusy(false);
    onOutcome(
      r.ok
        ? { kind: "ok", text: enabled ? `Sending to ${endpoint.url} again.` : `Paused ${endpoint.url}: its deliveries wait until it is on again.` }
        : { kind: "error", text: problemText(r.problem) },
    );
    onChanged();
  }

  async function testSend() {
    setBusy(true);
    const r = await api<{ delivered: boolean; statusCode: number | null; error: string | null; durationMs: number }>(`${base}/test-sends`, {
      method: "POST",
      body: "{}",
    });
    setBusy(false);
    if (!r.ok) onOutcome({ kind: "error", text: problemText(r.problem) });
    else if (r.data.delivered)
      onOutcome({ kind: "ok", text: `Test event delivered: the receiver answered ${r.data.statusCode} in ${r.data.durationMs} ms.` });
    else
      onOutcome({
        kind: "error",
        text: `Test event not accepted: ${r.data.statusCode ? `the receiver answered ${r.data.statusCode}` : (r.data.error ?? "no answer")}.`,
      });
  }

  return (
    <li className="rounded-lg border border-slate-200 bg-white p-4" aria-label={`Endpoint ${endpoint.url}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-mono text-sm font-semibold break-all">{endpoint.url}</p>
          {endpoint.description ? <p className="text-sm text-slate-700">{endpoint.description}</p> : null}
          <p className="mt-1 text-xs text-slate-600">
            {endpoint.eventTypes ? endpoint.eventTypes.join(", ") : "Every event type"} · added by {endpoint.createdBy} on{" "}
            {formatDate(endpoint.createdAt)}
          </p>
          <p className="mt-1 text-xs text-slate-600">
            Signing secrets in use: {endpoint.secrets.length}
            {endpoint.secrets.some((s) => s.expiresAt)
              ? ` (the previous one stops signing ${formatDate(endpoint.secrets.find((s) => s.expiresAt)!.expiresAt)})`
              : ""}
          </p>
        </div>
        <div className="flex items-center gap-2 text-sm">
          <Label.Root htmlFor={switchId}>{endpoint.enabled ? "On" : "Paused"}</Label.Root>
          <Switch.Root
            id={switchId}
            checked={endpoint.enabled}
            disabled={!isAdmin || busy}
            onCheckedChange={setEnabled}
            aria-label={`Send to ${endpoint.url}`}
            className="relative h-6 w-11 rounded-full bg-slate-400 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2 disabled:opacity-60 data-[state=checked]:bg-blue-700"
          >
            <Switch.Thumb className="block h-5 w-5 translate-x-0.5 rounded-full bg-white transition-transform data-[state=checked]:translate-x-[1.375rem]" />
          </Switch.Root>
        </div>
      </div>
      <div className="mt-3 flex flex-wrap gap-3">
        <Button asChild variant="secondary">
          <Link href={`/support/webhooks/${encodeURIComponent(endpoint.id)}`}>Deliveries</Link>
        </Button>
        {isAdmin ? (
          <>
            <Button variant="secondary" onClick={testSend} disabled={busy}>
              <Send aria-hidden className="h-4 w-4" />
              Send test event
            </Button>
            <RotateSecretDialog base={base} url={endpoint.url} onRotated={onChanged} />
            <DeleteEndpointDialog base={base} url={endpoint.url} onOutcome={onOutcome} onDeleted={onChanged} />
          </>
        ) : null}
      </div>
    </li>
  );
}

/** A newly issued signing secret: shown once, to copy into the receiver's configuration. */
function SecretOnce({ id, secret, note }: { id: string; secret: string; note: string }) {
  return (
    <div className="space-y-2">
      <Label.Root htmlFor={id} className="text-sm font-medium">
        Signing secret (shown once)
      </Label.Root>
      <div className="flex items-center gap-2">
        <input id={id} readOnly value={secret} className={`${FIELD} font-mono text-xs`} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton value={secret} label="signing secret" iconOnly />
      </div>
      <p className="text-sm text-slate-700">{note}</p>
    </div>
  );
}

function AddEndpointDialog({ onAdded }: { onAdded: () => void }) {
  const { api } = useSupportSession();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ field: string; message: string } | null>(null);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const types = form.getAll("eventTypes").map(String);
    setBusy(true);
    const r = await api<{ endpoint: Endpoint; secret: string }>("/api/v1/webhooks/endpoints", {
      method: "POST",
      body: JSON.stringify({
        url: String(form.get("url") ?? "").trim(),
        description: String(form.get("description") ?? "").trim() || null,
        eventTypes: types.length === EVENT_TYPES.length ? null : types,
      }),
    });
    setBusy(false);
    if (r.ok) {
      setCreated({ url: r.data.endpoint.url, secret: r.data.secret });
      setProblem(null);
      onAdded();
    } else {
      const first = r.problem.errors?.[0];
      setProblem({ field: first?.field?.replace(/^body\./, "") ?? "url", message: first?.message ?? r.problem.detail });
    }
  }

  const urlError = problem && (problem.field === "url" || problem.field === "(root)") ? problem.message : null;
  const otherError = problem && !urlError ? problem.message : null;
  return (
    <FormDialog
      trigger={
        <Button>
          <Plus aria-hidden className="h-4 w-4" />
          Add endpoint
        </Button>
      }
      title="Add a webhook endpoint"
      description="Events are signed with a secret issued now; the receiver verifies each request with it."
      onClosed={() => {
        setCreated(null);
        setProblem(null);
      }}
    >
      {created ? (
        <SecretOnce
          id="new-endpoint-secret"
          secret={created.secret}
          note={`Give it to the team running ${created.url}. The portal never shows it again; rotate it to issue a new one.`}
        />
      ) : (
        <form onSubmit={submit} className="space-y-3" noValidate>
          <DialogField
            id="endpoint-url"
            name="url"
            type="url"
            required
            placeholder="https://hooks.act-on.com/dynamics"
            label="Receiver URL (https)"
            error={urlError}
          />
          <div>
            <Label.Root htmlFor="endpoint-description" className="text-sm font-medium">
              Description (optional)
            </Label.Root>
            <input id="endpoint-description" name="description" maxLength={500} className={FIELD} />
          </div>
          <fieldset>
            <legend className="text-sm font-medium">Events to send</legend>
            {EVENT_TYPES.map((t) => (
              <label key={t.value} className="mt-1 flex items-center gap-2 text-sm">
                <input type="checkbox" name="eventTypes" value={t.value} defaultChecked className="h-4 w-4" />
                {t.label} <code className="font-mono text-xs text-slate-600">{t.value}</code>
              </label>
            ))}
          </fieldset>
          {otherError ? (
            <p role="alert" className="text-sm text-red-800">
              {otherError}
            </p>
          ) : null}
          <Button type="submit" disabled={busy}>
            Add endpoint
          </Button>
        </form>
      )}
    </FormDialog>
  );
}

function RotateSecretDialog({ base, url, onRotated }: { base: string; url: string; onRotated: () => void }) {
  const { api } = useSupportSession();
  const [open, setOpen] = useState(false);
  const [rotated, setRotated] = useState<{ secret: string; previousSecretsRevoked: boolean; previousSecretsExpireAt: string } | null>(null);
  const [revokePrevious, setRevokePrevious] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function rotate() {
    const r = await api<{ secret: string; previousSecretsRevoked: boolean; previousSecretsExpireAt: string }>(`${base}/secret-rotations`, {
      method: "POST",
      body: JSON.stringify({ revokePrevious }),
    });
    if (r.ok) {
      setRotated(r.data);
      setError(null);
      onRotated();
    } else setError(problemText(r.problem));
  }

  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setRotated(null);
          setRevokePrevious(false);
          setError(null);
        }
      }}
    >
      <AlertDialog.Trigger asChild>
        <Button variant="secondary">
          <KeyRound aria-hidden className="h-4 w-4" />
          Rotate secret
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={OVERLAY} />
        <AlertDialog.Content className={PANEL}>
          <AlertDialog.Title className="text-lg font-semibold">Rotate the signing secret of {url}?</AlertDialog.Title>
          <AlertDialog.Description className="text-sm text-slate-700">
            A new secret signs every delivery from now on. The current one keeps signing too for a while, so the receiver can switch without missing
            an event.
          </AlertDialog.Description>
          {rotated ? (
            <SecretOnce
              id="rotated-secret"
              secret={rotated.secret}
              note={
                rotated.previousSecretsRevoked
                  ? "The previous secrets no longer sign: the receiver accepts deliveries again once it holds this one."
                  : `Until ${formatDate(rotated.previousSecretsExpireAt)} each delivery carries a signature with the previous secret as well.`
              }
            />
          ) : (
            <label className="flex items-start gap-2 text-sm text-slate-800">
              <input type="checkbox" checked={revokePrevious} onChange={(e) => setRevokePrevious(e.target.checked)} className="mt-1 h-4 w-4" />
              <span>
                The current secret leaked: stop it signing now. Deliveries from now on carry only the new secret&apos;s signature, so the receiver
                refuses them until it holds the new one.
              </span>
            </label>
          )}
          {error ? (
            <p role="alert" className="text-sm text-red-800">
              {error}
            </p>
          ) : null}
          <div className="flex gap-3">
            <AlertDialog.Cancel asChild>
              <Button variant="secondary">{rotated ? "Close" : "Cancel"}</Button>
            </AlertDialog.Cancel>
            {rotated ? null : <Button onClick={rotate}>Rotate secret</Button>}
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}

function DeleteEndpointDialog({
  base,
  url,
  onOutcome,
  onDeleted,
}: {
  base: string;
  url: string;
  onOutcome: (o: Outcome) => void;
  onDeleted: () => void;
}) {
  const { api } = useSupportSession();
  const [open, setOpen] = useState(false);

  async function remove() {
    const r = await api<null>(base, { method: "DELETE" });
    setOpen(false);
    onOutcome(r.ok ? { kind: "ok", text: `Deleted ${url}; nothing more is sent there.` } : { kind: "error", text: problemText(r.problem) });
    onDeleted();
  }

  return (
    <AlertDialog.Root open={open} onOpenChange={setOpen}>
      <AlertDialog.Trigger asChild>
        <Button variant="secondary">
          <Trash2 aria-hidden className="h-4 w-4" />
          Delete
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={OVERLAY} />
        <AlertDialog.Content className={PANEL}>
          <AlertDialog.Title className="text-lg font-semibold">Delete {url}?</AlertDialog.Title>
          <AlertDialog.Description className="text-sm text-slate-700">
            Nothing more is sent to it, and its delivery log and signing secrets are deleted with it. To stop sending for a while, pause it instead.
          </AlertDialog.Description>
          <div className="flex gap-3">
            <AlertDialog.Cancel asChild>
              <Button variant="secondary">Cancel</Button>
            </AlertDialog.Cancel>
            <Button onClick={remove}>Delete endpoint</Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
