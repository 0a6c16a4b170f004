import type { Metadata } from "next";
import { getSupportConsoleConfig } from "@/lib/support/support-console-config";
import { SupportAuth } from "./support-auth";

export const metadata: Metadata = { title: "Act-On · Support console" };
// The sign-in settings come from the environment at request time, not from the build.
export const dynamic = "force-dynamic";

/**
 * The support console: a client-side area whose data comes only from /api/support with an Act-On staff access token.
 * The server hands the browser public sign-in settings (no secret) and nothing else; a customer's portal session
 * cookie is neither read here nor accepted by the console's API.
 */
export default function SupportLayout({ children }: { children: React.ReactNode }) {
  const config = getSupportConsoleConfig();
  if (!config) {
    return (
      <section className="max-w-xl space-y-3">
        <h1 className="text-2xl font-bold tracking-tight">The support console is not set up</h1>
        <p className="text-slate-700">
          Set <code className="font-mono">ACTON_TENANT_ID</code> and <code className="font-mono">PORTAL_CLIENT_ID</code> (see the README&apos;s
          configuration table) so Act-On staff can sign in.
        </p>
      </section>
    );
  }
  return <SupportAuth config={config}>{children}</SupportAuth>;
}
