import { RouteLoading } from "@/components/journey/route-loading";

export default function Loading() {
  return <RouteLoading what="Finding where your connection is…" />;
}
