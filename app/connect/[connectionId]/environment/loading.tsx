import { RouteLoading } from "@/components/connect/route-loading";

export default function Loading() {
  return <RouteLoading what="Asking Microsoft for your Dynamics 365 environments…" />;
}
