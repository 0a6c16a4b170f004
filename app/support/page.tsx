import { Suspense } from "react";
import { ConnectionList } from "./connection-list";

export default function SupportHomePage() {
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <ConnectionList />
    </Suspense>
  );
}
