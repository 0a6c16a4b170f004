import { SIGN_IN_PERMISSION_LINES } from "@/lib/sessions/sign-in-permissions";

/** What Microsoft will ask the admin to allow, one plain line each with the API and permission it stands for. */
export function SignInPermissionList({ variant = "compact" }: { variant?: "compact" | "boxed" }) {
  const boxed = variant === "boxed";
  return (
    <ul className={boxed ? "divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white" : "mt-2 space-y-2 text-sm"}>
      {SIGN_IN_PERMISSION_LINES.map((p) => (
        <li key={`${p.api}:${p.permission}`} className={boxed ? "px-5 py-3" : undefined}>
          <span className={boxed ? "text-slate-900" : "font-medium"}>{p.line}</span>{" "}
          <span className={boxed ? "text-sm text-slate-600" : "text-slate-700"}>
            ({p.api}: <code className="font-mono">{p.permission}</code>)
          </span>
        </li>
      ))}
    </ul>
  );
}
