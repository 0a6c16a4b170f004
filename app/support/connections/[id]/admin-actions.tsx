"use client";

import { OutcomeStatus, problemText, type Outcome } from "../../action-outcome";
import { AlertDialog, Label } from "radix-ui";
import { Activity, Link2, RefreshCw, UserX } from "lucide-react";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { FIELD, OVERLAY, PANEL } from "../../console-styles";
import { CopyButton } from "@/components/ui/copy-button";
import { DialogField, FormDialog } from "../../form-dialog";
import { useSupportSession } from "../../support-auth";
import { Button } from "@/components/ui/button";
import { HEALTH_CAUSE_LABELS, HEALTH_STATE_LABELS, type HealthCause, type HealthState } from "@/lib/domain/connection/health-machine";

/** Support.Admin's actions on a connection, each audited with the support person's identity by the API. */
export function AdminActions({ connectionId, onDone }: { connectionId: string; onDone: () => void }) {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const base = `/api/support/connections/${encodeURIComponent(connectionId)}`;

  return (
    <section aria-labelledby="admin-actions" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="admin-actions" className="font-semibold">
        Support actions
      </h2>
      <div className="mt-3 flex flex-wrap gap-3">
        <ProbeNowButton base={base} onOutcome={setOutcome} onDone={onDone} />
        <RerunVerificationButton base={base} onOutcome={setOutcome} onDone={onDone} />
        <ReconnectLinkDialog base={base} onDone={onDone} />
        <RevokeAccessDialog base={base} onOutcome={setOutcome} onDone={onDone} />
      </div>
      <OutcomeStatus outcome={outcome} className="mt-3" />
    </section>
  );
}

type ProbeAnswer = { state: HealthState; previousState: HealthState | null; cause: HealthCause | null; durationMs: number };

/** What a probe found, in words: the state, and the cause when there is one. */
function probedText(p: ProbeAnswer): string {
  const cause = p.cause ? ` (${HEALTH_CAUSE_LABELS[p.cause]})` : "";
  const was = p.previousState && p.previousState !== p.state ? `, was ${HEALTH_STATE_LABELS[p.previousState]}` : "";
  return `Probed in ${p.durationMs} ms: ${HEALTH_STATE_LABELS[p.state]}${cause}${was}.`;
}

/** A probe takes a token and one WhoAmI: the answer comes back in the request, and the page reloads the history. */
function ProbeNowButton({ base, onOutcome, onDone }: { base: string; onOutcome: (o: Outcome) => void; onDone: () => void }) {
  const { api } = useSupportSession();
  const [busy, setBusy] = useState(false);

  async function probe() {
    setBusy(true);
    const r = await api<ProbeAnswer>(`${base}/health-probes`, { method: "POST", body: "{}" });
    setBusy(false);
    onOutcome(r.ok ? { kind: "ok", text: probedText(r.data) } : { kind: "error", text: problemText(r.problem) });
    onDone();
  }

  return (
    <Button variant="secondary" onClick={probe} disabled={busy} aria-busy={busy || undefined}>
      <Activity aria-hidden className="h-4 w-4" />
      {busy ? "Probing…" : "Probe now"}
    </Button>
  );
}

/** The verification runs in seconds: the page reloads the connection a few times so its outcome shows up. */
const REFRESH_AFTER_MS = [1_500, 4_000, 8_000];

function RerunVerificationButton({ base, onOutcome, onDone }: { base: string; onOutcome: (o: Outcome) => void; onDone: () => void }) {
  const { api } = useSupportSession();
  const [busy, setBusy] = useState(false);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  async function rerun() {
    setBusy(true);
    const r = await api<{ runId: string; alreadyRequested: boolean }>(`${base}/verification`, { method: "POST", body: "{}" });
    setBusy(false);
    if (!r.ok) {
      onOutcome({ kind: "error", text: r.problem.detail });
      return;
    }
    onOutcome({
      kind: "ok",
      text: r.data.alreadyRequested
        ? "A verification is already under way; its outcome appears in the timeline."
        : "Verification started with the stored credential; its outcome appears in the timeline in a few seconds.",
    });
    onDone();
    timers.current.forEach(clearTimeout);
    timers.current = REFRESH_AFTER_MS.map((ms) => setTimeout(onDone, ms));
  }

  return (
    <Button variant="secondary" onClick={rerun} disabled={busy} aria-busy={busy || undefined}>
      <RefreshCw aria-hidden className="h-4 w-4" />
      Re-run verification
    </Button>
  );
}

function ReconnectLinkDialog({ base, onDone }: { base: string; onDone: () => void }) {
  const { api } = useSupportSession();
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const userEmail = String(new FormData(event.currentTarget).get("userEmail") ?? "");
    const r = await api<{ url: string; expiresAt: string }>(`${base}/reconnect-link`, { method: "POST", body: JSON.stringify({ userEmail }) });
    setBusy(false);
    if (r.ok) {
      setLink(r.data);
      setError(null);
      onDone();
    } else setError(problemText(r.problem));
  }

  return (
    <FormDialog
      trigger={
        <Button variant="secondary">
          <Link2 aria-hidden className="h-4 w-4" />
          Mint reconnect link
        </Button>
      }
      title="Reconnect link"
      description="A signed, single-use link that brings the customer's admin back to reconnect. It works once, for 15 minutes."
      onClosed={() => {
        setLink(null);
        setError(null);
      }}
    >
      {link ? (
        <div className="space-y-2">
          <Label.Root htmlFor="reconnect-url" className="text-sm font-medium">
            Link to send (expires {new Date(link.expiresAt).toISOString().slice(11, 16)} UTC)
          </Label.Root>
          <div className="flex items-center gap-2">
            <input id="reconnect-url" readOnly value={link.url} className={`${FIELD} font-mono text-xs`} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton value={link.url} label="reconnect link" iconOnly />
          </div>
        </div>
      ) : (
        <form onSubmit={submit} className="space-y-3" noValidate>
          <DialogField id="userEmail" name="userEmail" type="email" required label="Customer admin's e-mail" error={error} />
          <Button type="submit" disabled={busy}>
            Mint link
          </Button>
        </form>
      )}
    </FormDialog>
  );
}

type RevokedAccess = { sessions: number; links: number; handoffLinks: number; adminSignIns: number; cancelledRuns: number };

const counted = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the revocation ended, in words (the same counts as its audit row). */
function revokedText(r: RevokedAccess): string {
  return (
    `Signed the customer out of ${counted(r.sessions, "session", "sessions")}; ` +
    `every earlier link from Act-On is refused (${counted(r.links, "unused link", "unused links")} made by the portal spent); ` +
    `withdrew ${counted(r.handoffLinks, "hand-off link", "hand-off links")}, ` +
    `forgot ${counted(r.adminSignIns, "stored Microsoft sign-in", "stored Microsoft sign-ins")} and ` +
    `cancelled ${counted(r.cancelledRuns, "plan waiting for approval", "plans waiting for approval")}.`
  );
}

function RevokeAccessDialog({ base, onOutcome, onDone }: { base: string; onOutcome: (o: Outcome) => void; onDone: () => void }) {
  const { api } = useSupportSession();
  const [reason, setReason] = useState("");
  const [open, setOpen] = useState(false);

  async function revoke() {
    const r = await api<RevokedAccess>(`${base}/access-revocation`, { method: "POST", body: JSON.stringify({ reason }) });
    setOpen(false);
    onOutcome(r.ok ? { kind: "ok", text: revokedText(r.data) } : { kind: "error", text: problemText(r.problem) });
    onDone();
  }

  return (
    <AlertDialog.Root open={open} onOpenChange={setOpen}>
      <AlertDialog.Trigger asChild>
        <Button variant="secondary">
          <UserX aria-hidden className="h-4 w-4" />
          Revoke customer&apos;s sessions and links
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className={OVERLAY} />
        <AlertDialog.Content className={PANEL}>
          <AlertDialog.Title className="text-lg font-semibold">Revoke the customer&apos;s access?</AlertDialog.Title>
          <AlertDialog.Description className="text-sm text-slate-700">
            Everyone of this account signed in to the portal is signed out (colleagues helping through a hand-off too). Every link from Act-On made
            until now stops working, whoever made it, and so do hand-off links. Plans waiting for approval are cancelled and the Microsoft sign-ins
            stored for the account&apos;s connections are forgotten. A new link from Act-On still works.
          </AlertDialog.Description>
          <div>
            <Label.Root htmlFor="revoke-reason" className="text-sm font-medium">
              Reason (kept in the audit log)
            </Label.Root>
            <input id="revoke-reason" value={reason} onChange={(e) => setReason(e.target.value)} className={FIELD} />
          </div>
          <div className="flex gap-3">
            <AlertDialog.Cancel asChild>
              <Button variant="secondary">Cancel</Button>
            </AlertDialog.Cancel>
            <Button onClick={revoke}>Revoke access</Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
