import type { HandoffProgress } from "@/lib/connect/plan-view";

const when = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** How the first admin's hand-off is going (the link itself is never shown again). */
export function HandoffStatus({ progress, plannedBy }: { progress: HandoffProgress | null; plannedBy: string | null }) {
  if (!progress) return null;
  const text =
    progress.state === "open"
      ? `A hand-off link is waiting to be opened (it expires ${when.format(new Date(progress.expiresAt))} UTC).`
      : progress.state === "used"
        ? progress.colleague
          ? plannedBy && plannedBy.toLowerCase() === progress.colleague.toLowerCase()
            ? `${progress.colleague} prepared the plan below with their own account and is reviewing it. This page moves on to the checklist when they approve.`
            : `${progress.colleague} opened your hand-off link and signed in. This page moves on to the checklist when they approve.`
          : "Your colleague opened the hand-off link and is signing in with Microsoft."
        : progress.state === "expired"
          ? "Your last hand-off link expired unused. Create a new one if you still need a colleague."
          : "Your last hand-off link was withdrawn.";
  return (
    <p role="status" data-testid="handoff-status" className="rounded-md border border-blue-200 bg-white p-3 text-sm">
      {text}
    </p>
  );
}
