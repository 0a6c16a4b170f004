/**
 * What approving a run does, in the words its approval page uses. Every kind of run that waits for a person has its
 * own kind here, and the approval form names the kind it shows: a plan is approved only by the button that describes
 * it (a "connect" button never approves a disconnect). Pure, so a client form may read the words.
 */

export const APPROVAL_KINDS = ["connect", "repair", "migrate", "disconnect"] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

/** The approval kind of a run, from its kind and options; null for a run nobody approves on a page (a verification). */
export function approvalKindOf(run: { kind: string; secret?: string | null }): ApprovalKind | null {
  switch (run.kind) {
    case "connect":
      return run.secret === "keep" ? "repair" : "connect";
    case "migrate":
      return "migrate";
    case "disconnect":
      return "disconnect";
    default:
      return null;
  }
}

export type ApprovalWords = { title: string; button: string; pending: string; destructive: boolean };

export const APPROVAL_WORDS: Record<ApprovalKind, ApprovalWords> = {
  connect: { title: "Review the plan", button: "Approve and connect", pending: "Starting…", destructive: false },
  repair: { title: "Review the repair", button: "Approve and repair", pending: "Starting…", destructive: false },
  migrate: { title: "Review the move to OAuth", button: "Approve and move to OAuth", pending: "Starting…", destructive: false },
  disconnect: { title: "Review the disconnection", button: "Approve and disconnect", pending: "Disconnecting…", destructive: true },
};
