import { requireSessionConnection } from "@/lib/paths/session-connection";

/**
 * The layout of the paths a colleague's hand-off session may not open (manual, on-premises, disconnect). It checks
 * the session's scope before the segment's loading boundary streams anything, so such a session gets a real 404
 * (app/connect/not-found.tsx), not a 200 whose body later says "not found".
 */
export default async function PathLayout({ children, params }: { children: React.ReactNode; params: Promise<{ connectionId: string }> }) {
  await requireSessionConnection((await params).connectionId);
  return children;
}
