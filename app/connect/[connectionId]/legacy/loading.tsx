import { RouteLoading } from "@/components/connect/route-loading";

/** The legacy page lists the admin's environments at Microsoft before it renders. */
export default function Loading() {
  return <RouteLoading what="Listing your Dynamics 365 environments…" />;
}
