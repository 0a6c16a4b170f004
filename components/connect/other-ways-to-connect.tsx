import { ChevronRight } from "lucide-react";
import { Button } from "@/components/ui/button";
import { FOCUS_RING } from "@/components/ui/button-variants";

export type PathChoice = "legacy" | "on-premises" | "manual";

const PATHS: { path: PathChoice; title: string; body: string }[] = [
  {
    path: "legacy",
    title: "With a user name and password (legacy)",
    body: "For accounts that must keep an integration user: Act-On signs in as that user. Not possible when the user must use MFA.",
  },
  {
    path: "on-premises",
    title: "An on-premises Dynamics 365 server",
    body: "Your own server's https:// address and a DOMAIN\\user, signed in with Windows authentication or AD FS. No Microsoft Entra step.",
  },
  {
    path: "manual",
    title: "Set it up yourself (manual)",
    body: "If the portal may not act in your tenant: numbered steps to follow, then a form for what you created, which the portal checks.",
  },
];

/**
 * The path chooser: the recommended cloud path stays the page's one main action (no extra click), and the other
 * paths are one disclosure away, each at its own URL under /connect/<id>/…. Server component, no script.
 */
export function OtherWaysToConnect({ connectionId, exclude = [] }: { connectionId: string; exclude?: PathChoice[] }) {
  const base = `/connect/${encodeURIComponent(connectionId)}`;
  return (
    <details className="group rounded-lg border border-slate-200 bg-white p-4">
      <summary className={`flex cursor-pointer items-center gap-1 rounded font-medium text-blue-800 ${FOCUS_RING}`}>
        <ChevronRight aria-hidden className="h-4 w-4 transition-transform group-open:rotate-90" />
        Other ways to connect
      </summary>
      <p className="mt-2 text-sm text-slate-700">
        The recommended way above gives Act-On its own app and application user, with no password stored and MFA left on for everyone. Choose another
        way only if it does not fit.
      </p>
      <ul className="mt-3 space-y-3">
        {PATHS.filter((p) => !exclude.includes(p.path)).map((p) => (
          <li key={p.path}>
            <Button asChild variant="link">
              <a href={`${base}/${p.path}`}>{p.title}</a>
            </Button>
            <p className="text-sm text-slate-700">{p.body}</p>
          </li>
        ))}
      </ul>
    </details>
  );
}
