/** Tailwind classes the console's forms and dialogs share. */
export const FIELD =
  "mt-1 block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-blue-700";
export const OVERLAY = "fixed inset-0 bg-slate-900/40";
export const PANEL =
  "fixed top-1/2 left-1/2 w-[min(32rem,92vw)] -translate-x-1/2 -translate-y-1/2 space-y-4 rounded-lg bg-white p-6 shadow-xl focus:outline-none";
