import { RouteLoading } from "@/components/connect/route-loading";

/** The disconnect page reads what will be removed (secrets, the app registration, the application user) first. */
export default function Loading() {
  return <RouteLoading what="Reading what would be removed…" />;
}
