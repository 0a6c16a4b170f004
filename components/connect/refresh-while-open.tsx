"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

/**
 * Re-renders the server page every `everyMs` (router.refresh: server state only, no full reload), so the first admin's
 * page follows a colleague's hand-off and moves on to the checklist when the colleague approves.
 */
export function RefreshWhileOpen({ everyMs = 2000 }: { everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(timer);
  }, [router, everyMs]);
  return null;
}
