"use client";

import { LogOut, UserRound } from "lucide-react";
import Link from "next/link";
import { useSupportSession } from "./support-auth";
import { Button } from "@/components/ui/button";

/** The console's title bar: where you are, who you are signed in as, with which role, and sign out. */
export function ConsoleHeader({ title }: { title: string }) {
  const { account, me, signOut } = useSupportSession();
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4 border-b border-slate-200 pb-4">
      <div>
        <nav aria-label="Support console" className="flex gap-4 text-sm font-medium text-blue-800">
          <Link
            href="/support"
            className="underline-offset-2 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
          >
            Support console
          </Link>
          <Link
            href="/support/webhooks"
            className="underline-offset-2 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
          >
            Webhook endpoints
          </Link>
        </nav>
        <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      </div>
      <div className="flex items-center gap-3 text-sm text-slate-700">
        <UserRound aria-hidden className="h-4 w-4" />
        <span>
          {me.name ?? account.username} <span className="text-slate-600">({me.roles.join(", ")})</span>
        </span>
        <Button variant="secondary" onClick={signOut}>
          <LogOut aria-hidden className="h-4 w-4" />
          Sign out
        </Button>
      </div>
    </div>
  );
}

export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

const STATUS_STYLES: Record<string, string> = {
  active: "bg-green-100 text-green-900",
  failed: "bg-red-100 text-red-900",
  actionRequired: "bg-amber-100 text-amber-900",
  provisioning: "bg-blue-100 text-blue-900",
  draft: "bg-slate-100 text-slate-800",
  disconnected: "bg-slate-200 text-slate-800",
  succeeded: "bg-green-100 text-green-900",
  running: "bg-blue-100 text-blue-900",
  waiting: "bg-amber-100 text-amber-900",
  pending: "bg-slate-100 text-slate-800",
  skipped: "bg-slate-100 text-slate-800",
  cancelled: "bg-slate-200 text-slate-800",
  healthy: "bg-green-100 text-green-900",
  degraded: "bg-amber-100 text-amber-900",
  failing: "bg-red-100 text-red-900",
};

/** A status as text in a coloured pill: the word carries the meaning, the colour only repeats it. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span
      className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${STATUS_STYLES[status] ?? "bg-slate-100 text-slate-800"}`}
    >
      {label ?? status}
    </span>
  );
}
