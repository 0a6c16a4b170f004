/** Runs once when a portal server starts (Next.js instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { assertConfigurationAtStartup } = await import("./lib/startup-check");
    assertConfigurationAtStartup();
    // Runs interrupted by a crashed or restarted instance carry on here (or on any other instance).
    const { startBackgroundResumer } = await import("./lib/provisioning/background-resumer");
    startBackgroundResumer();
    // Webhook events in the outbox go out from whichever instance claims them first.
    const { startBackgroundWebhookDeliverer } = await import("./lib/webhooks/background-deliverer");
    startBackgroundWebhookDeliverer();
  }
}
