import type { Metadata } from "next";
import { BroadcastToConsole } from "./broadcast-to-console";

export const metadata: Metadata = { title: "Act-On · Support console sign-in", robots: { index: false } };

/**
 * The support console's redirect bridge (msal-browser 5): Microsoft answers the console's silent token requests into a
 * hidden iframe that lands here, and this page hands the answer to the console. Kept outside /support so the console's
 * own sign-in code (which would try to finish a redirect sign-in) never runs in the iframe. Its headers let the portal
 * frame it (lib/security/security-headers.ts).
 */
export default function RedirectBridgePage() {
  return <BroadcastToConsole />;
}
