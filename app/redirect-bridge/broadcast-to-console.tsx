"use client";

import { broadcastResponseToMainFrame } from "@azure/msal-browser/redirect-bridge";
import { useEffect, useState } from "react";

/**
 * Passes Microsoft's answer in this page's URL to the console that asked for it, then the bridge is done. Opened on its
 * own (no answer in the URL) it says so instead of failing silently; the console itself gives up on a bridge that never
 * answers after msal's timeout and asks the staff member to sign in again.
 */
export function BroadcastToConsole() {
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    broadcastResponseToMainFrame().catch(() => setFailed(true));
  }, []);
  return (
    <p role="status" className="text-slate-700">
      {failed ? "Nothing to pass on: open the support console to sign in." : "Finishing sign-in…"}
    </p>
  );
}
