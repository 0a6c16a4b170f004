import { INPUT_CLASS } from "@/components/ui/field";

/** Tailwind classes the console's forms and dialogs share (inputs are the portal's own, a size smaller). */
export const FIELD = `mt-1 ${INPUT_CLASS} text-sm`;
export const OVERLAY = "fixed inset-0 bg-slate-900/40";
export const PANEL =
  "fixed top-1/2 left-1/2 w-[min(32rem,92vw)] -translate-x-1/2 -translate-y-1/2 space-y-4 rounded-lg bg-white p-6 shadow-xl focus:outline-none";
