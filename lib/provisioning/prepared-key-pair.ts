import "server-only";
import { generateCertificateKeyPair, type CertificateKeyPair } from "../microsoft/certificate-credential";
import { runCredentialMode, type StepContext } from "./steps/step-context";

/**
 * A key pair begun ahead of the step that uses it: made on the thread pool while the earlier steps wait on Microsoft,
 * it takes a certificate's key off the critical path. Handed out once; one never taken dies with the drive, unseen.
 */
export class PreparedKeyPair {
  private pending: Promise<CertificateKeyPair> | null = null;

  constructor(private readonly generate: () => Promise<CertificateKeyPair> = generateCertificateKeyPair) {}

  /** Begins making a key pair unless one is already on its way. */
  prepare(): void {
    if (this.pending) return;
    this.pending = this.generate();
    // Taken or not, a failure is never unhandled: whoever takes it sees it.
    this.pending.catch(() => undefined);
  }

  /** The prepared key pair (once), or null when none was begun. */
  take(): Promise<CertificateKeyPair> | null {
    const pending = this.pending;
    this.pending = null;
    return pending;
  }
}

/**
 * True while the run will likely make a certificate: its credential step is to come, in certificate mode, and the run
 * does not ask to keep the live one (a repair usually keeps it, so no key is made for it ahead of time).
 */
export function needsCertificateKey(ctx: Pick<StepContext, "run" | "options" | "connection">): boolean {
  const credentialStep = ctx.run.steps.find((s) => s.name === "clientSecret");
  if (!credentialStep || credentialStep.status === "succeeded" || credentialStep.status === "skipped") return false;
  return ctx.options.secret !== "keep" && runCredentialMode(ctx) === "certificate";
}
