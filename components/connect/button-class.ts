/** The journey's button styles (pure, so server components and links share them without client JavaScript). */
export function buttonClass(variant: "primary" | "secondary" = "primary"): string {
  const base =
    "inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-semibold focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2 disabled:cursor-wait disabled:opacity-70";
  return variant === "primary"
    ? `${base} bg-blue-700 text-white hover:bg-blue-800`
    : `${base} border border-slate-300 bg-white text-slate-900 hover:bg-slate-50`;
}
