/** Runs once when a portal server starts (Next.js instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { assertConfigurationAtStartup } = await import("./lib/startup-check");
    assertConfigurationAtStartup();
  }
}
