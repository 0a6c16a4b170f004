"use client";
import { RouteError } from "@/components/connect/route-error";

export default function RouteErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <RouteError what="We could not show the connection's status" error={error} reset={reset} />;
}
