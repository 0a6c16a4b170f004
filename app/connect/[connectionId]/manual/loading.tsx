import { RouteLoading } from "@/components/connect/route-loading";

export default function Loading() {
  return <RouteLoading what="Loading the steps…" />;
}
