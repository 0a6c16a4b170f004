/** Runs once when a portal server starts (Next.js instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { assertConfigurationAtStartup } = await import("./lib/startup-check");
    assertConfigurationAtStartup();
    // All background work of this instance (runs to resume, webhooks to deliver, connections to probe) goes through one
    // scheduler; leases in the database decide which instance does what, so a crashed instance's work carries on here.
    const { startPortalScheduler } = await import("./lib/scheduler/portal-scheduler");
    startPortalScheduler();
  }
}
