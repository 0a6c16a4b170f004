import { authorizePage } from "@/lib/connect/authorize";

/**
 * Authorizes before this segment's loading boundary streams anything, so a colleague's hand-off session (which may
 * not open this path) gets a real 404 (app/connect/not-found.tsx), not a 200 whose body later says "not found".
 */
export default async function Layout({ children, params }: { children: React.ReactNode; params: Promise<{ connectionId: string }> }) {
  await authorizePage((await params).connectionId, "manual");
  return children;
}
