import { Loader2 } from "lucide-react";

/** What a journey page shows while its server data loads (Microsoft can take a few seconds). */
export function RouteLoading({ what }: { what: string }) {
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-3 rounded-lg border border-slate-200 bg-white p-6 text-slate-800">
      <Loader2 aria-hidden className="h-5 w-5 animate-spin text-blue-700" />
      <span>{what}</span>
    </div>
  );
}
