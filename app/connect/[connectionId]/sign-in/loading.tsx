import { RouteLoading } from "@/components/journey/route-loading";

export default function Loading() {
  return <RouteLoading what="Loading…" />;
}
