import { RouteLoading } from "@/components/journey/route-loading";

export default function Loading() {
  return <RouteLoading what="Loading the connection's status…" />;
}
