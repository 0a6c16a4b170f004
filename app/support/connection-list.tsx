"use client";

import { Label } from "radix-ui";
import { ChevronRight, Search } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { AUTH_MODE_LABELS, AUTH_MODES, SORT_LABELS, SUPPORT_SORTS, stepLabel, type SupportConnectionPage } from "@/lib/connections/support-search";
import { CONNECTION_STATUSES, CONNECTION_STATUS_LABELS as STATUS_LABELS } from "@/lib/domain/connection/status";
import { STEP_LABELS, STEP_NAMES } from "@/lib/domain/run/machine";
import { HEALTH_CAUSE_LABELS, HEALTH_CAUSES, HEALTH_STATE_LABELS, HEALTH_STATES } from "@/lib/domain/connection/health-machine";
import { ConsoleHeader, formatDate, StatusBadge } from "./console-header";
import { useSupportSession, type Problem } from "./support-auth";
import { Button } from "@/components/ui/button";
import { FIELD } from "./console-styles";
import { ConsoleTable } from "./console-table";
import { Notice } from "@/components/ui/notice";

const FILTER_KEYS = ["q", "status", "health", "healthCause", "authMode", "failingStep", "secretExpiresWithinDays", "sort"] as const;

/** Every connection: search, filters and keyset pages, all kept in the URL so a view can be shared with a colleague. */
export function ConnectionList() {
  const { api } = useSupportSession();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const query = params.toString();
  const [result, setResult] = useState<{ query: string; page?: SupportConnectionPage; problem?: Problem } | null>(null);

  useEffect(() => {
    let cancelled = false;
    api<SupportConnectionPage>(`/api/support/connections${query ? `?${query}` : ""}`).then((r) => {
      if (!cancelled) setResult(r.ok ? { query, page: r.data } : { query, problem: r.problem });
    });
    return () => {
      cancelled = true;
    };
  }, [api, query]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      const value = String(form.get(key) ?? "").trim();
      if (value && !(key === "sort" && value === "updated")) next.set(key, value);
    }
    router.push(`${pathname}${next.size ? `?${next}` : ""}`);
  }

  function pageAfter(cursor: string) {
    const next = new URLSearchParams(params);
    next.set("cursor", cursor);
    router.push(`${pathname}?${next}`);
  }

  function firstPage() {
    const next = new URLSearchParams(params);
    next.delete("cursor");
    router.push(`${pathname}${next.size ? `?${next}` : ""}`);
  }

  const loading = result?.query !== query;
  return (
    <div>
      <ConsoleHeader title="Connections" />
      <form
        key={query}
        onSubmit={onSubmit}
        role="search"
        aria-label="Search connections"
        className="mb-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3"
      >
        <div className="sm:col-span-3">
          <Label.Root htmlFor="q" className="text-sm font-medium">
            Search
          </Label.Root>
          <input id="q" name="q" type="search" defaultValue={params.get("q") ?? ""} aria-describedby="q-help" className={FIELD} autoComplete="off" />
          <p id="q-help" className="mt-1 text-xs text-slate-600">
            Act-On account id or name, tenant id or domain (e.g. contoso.onmicrosoft.com), or environment URL. Names, domains and URLs match from the
            start.
          </p>
        </div>
        <SelectField id="status" label="Status" value={params.get("status")} options={CONNECTION_STATUSES.map((s) => [s, STATUS_LABELS[s]])} />
        <SelectField id="health" label="Health" value={params.get("health")} options={HEALTH_STATES.map((h) => [h, HEALTH_STATE_LABELS[h]])} />
        <SelectField
          id="healthCause"
          label="Health cause"
          value={params.get("healthCause")}
          options={HEALTH_CAUSES.map((c) => [c, HEALTH_CAUSE_LABELS[c]])}
        />
        <SelectField id="authMode" label="Auth mode" value={params.get("authMode")} options={AUTH_MODES.map((m) => [m, AUTH_MODE_LABELS[m]])} />
        <SelectField id="failingStep" label="Failing step" value={params.get("failingStep")} options={STEP_NAMES.map((s) => [s, STEP_LABELS[s]])} />
        <div>
          <Label.Root htmlFor="secretExpiresWithinDays" className="text-sm font-medium">
            Secret expires within (days)
          </Label.Root>
          <input
            id="secretExpiresWithinDays"
            name="secretExpiresWithinDays"
            type="number"
            min={0}
            max={730}
            inputMode="numeric"
            defaultValue={params.get("secretExpiresWithinDays") ?? ""}
            className={FIELD}
          />
        </div>
        <SelectField
          id="sort"
          label="Order"
          value={params.get("sort") ?? "updated"}
          options={SUPPORT_SORTS.map((s) => [s, SORT_LABELS[s]])}
          required
        />
        <div className="flex items-end">
          <Button type="submit">
            <Search aria-hidden className="h-4 w-4" />
            Search
          </Button>
        </div>
      </form>

      <div aria-live="polite" className="sr-only">
        {loading ? "Loading connections" : result?.page ? `${result.page.rows.length} connections shown` : ""}
      </div>
      {result?.problem && !loading ? (
        <Notice tone="error" className="mb-4">
          {result.problem.detail}
        </Notice>
      ) : null}
      {result?.page ? <ConnectionTable page={result.page} busy={loading} /> : loading ? <p role="status">Loading connections…</p> : null}

      <nav aria-label="Pages" className="mt-4 flex gap-3">
        {params.get("cursor") ? (
          <Button variant="secondary" onClick={firstPage}>
            First page
          </Button>
        ) : null}
        {result?.page?.nextCursor && !loading ? (
          <Button variant="secondary" onClick={() => pageAfter(result.page!.nextCursor!)}>
            Next page
            <ChevronRight aria-hidden className="h-4 w-4" />
          </Button>
        ) : null}
      </nav>
    </div>
  );
}

function SelectField(props: { id: string; label: string; value: string | null; options: [string, string][]; required?: boolean }) {
  return (
    <div>
      <Label.Root htmlFor={props.id} className="text-sm font-medium">
        {props.label}
      </Label.Root>
      <select id={props.id} name={props.id} defaultValue={props.value ?? ""} className={FIELD}>
        {props.required ? null : <option value="">Any</option>}
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

function ConnectionTable({ page, busy }: { page: SupportConnectionPage; busy: boolean }) {
  if (page.rows.length === 0) return <p className="rounded-md border border-slate-200 bg-white p-4 text-slate-700">No connection matches.</p>;
  return (
    <ConsoleTable
      label="Connections table"
      caption={`Connections, ${page.rows.length} shown`}
      headings={["Account", "Status", "Health", "Environment", "Tenant", "Auth mode", "Failing step", "Last verified", "Secret expires"]}
      busy={busy}
    >
      {page.rows.map((row) => (
        <tr key={row.id} className="align-top">
          <th scope="row" className="px-3 py-2 font-normal">
            <Link
              href={`/support/connections/${row.id}`}
              className="font-medium text-blue-800 underline-offset-2 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
            >
              {row.account.name}
            </Link>
            <div className="font-mono text-xs text-slate-600">{row.account.actonAccountId}</div>
          </th>
          <td className="px-3 py-2">
            <StatusBadge status={row.status} label={STATUS_LABELS[row.status]} />
          </td>
          <td className="px-3 py-2">
            {row.health ? (
              <>
                <StatusBadge status={row.health.state} label={HEALTH_STATE_LABELS[row.health.state]} />
                {row.health.cause ? <div className="mt-1 text-xs text-slate-700">{HEALTH_CAUSE_LABELS[row.health.cause]}</div> : null}
              </>
            ) : (
              <span className="text-slate-600">Not probed</span>
            )}
          </td>
          <td className="px-3 py-2">
            <div>{row.environmentName ?? "—"}</div>
            <div className="font-mono text-xs break-all text-slate-600">{row.environmentUrl ?? ""}</div>
          </td>
          <td className="px-3 py-2">
            <div>{row.tenantDomain ?? "—"}</div>
            <div className="font-mono text-xs text-slate-600">{row.tenantId ?? ""}</div>
          </td>
          <td className="px-3 py-2 whitespace-nowrap">{row.authMode}</td>
          <td className="px-3 py-2">
            {row.failingStep ? (
              <>
                <div>{stepLabel(row.failingStep)}</div>
                <div className="font-mono text-xs text-slate-600">{row.failingErrorCode}</div>
              </>
            ) : (
              "—"
            )}
          </td>
          <td className="px-3 py-2 whitespace-nowrap">{formatDate(row.lastVerifiedAt)}</td>
          <td className="px-3 py-2 whitespace-nowrap">{formatDate(row.secretExpiresAt)}</td>
        </tr>
      ))}
    </ConsoleTable>
  );
}
