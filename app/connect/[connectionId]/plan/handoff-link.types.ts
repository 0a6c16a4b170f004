import type { FormState } from "@/lib/core/forms";

/** What the hand-off form's server action answers: the link (shown once) or why not. */
export type HandoffLinkState = FormState<{
  link?: { url: string; expiresAt: string; validForHours: number; requiredRole: string };
}>;
