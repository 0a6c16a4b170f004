import "server-only";
import { generateCertificateKeyPair, type CertificateKeyPair } from "../microsoft/certificate-credential";
import { runCredentialMode, type StepContext } from "./steps/step-context";

/**
 * Certificate key pairs made before anyone waits for them. An RSA-2048 key is 100 to 300 ms of a core; made when a
 * drive starts, it competes with that drive's first calls for this machine's cores. A plan that will make a
 * certificate asks the reserve to fill while the admin reads the plan, and the drive takes a key from it. The reserve
 * is small (what is made beyond demand is at most its capacity) and in memory only: each key serves one certificate,
 * and one never taken dies with the process, never written anywhere.
 */
export class KeyPairReserve {
  private readonly ready: CertificateKeyPair[] = [];
  private making: Promise<void> | null = null;

  constructor(
    private readonly capacity: number,
    private readonly generate: () => Promise<CertificateKeyPair> = generateCertificateKeyPair,
  ) {}

  /** Makes keys, one at a time on the thread pool (a core stays free for the portal), until the reserve is full. */
  fill(): void {
    if (this.making || this.ready.length >= this.capacity) return;
    this.making = this.generate().then(
      (pair) => {
        this.ready.push(pair);
        this.making = null;
        this.fill();
      },
      // A failed key is not the reserve's business: whoever needs one makes it and sees the error.
      () => {
        this.making = null;
      },
    );
  }

  /** A key from the reserve, or a new one when it is empty (the reserve then refills behind it). */
  take(): Promise<CertificateKeyPair> {
    const pair = this.ready.shift();
    if (pair) {
      this.fill();
      return Promise.resolve(pair);
    }
    return this.generate();
  }
}

/** The process's reserve: two keys cover an admin approving while another's drive starts. */
export const keyPairReserve = new KeyPairReserve(2);

/**
 * A key pair begun ahead of the step that uses it: made on the thread pool while the earlier steps wait on Microsoft,
 * it takes a certificate's key off the critical path. Handed out once; one never taken dies with the drive, unseen.
 */
export class PreparedKeyPair {
  private pending: Promise<CertificateKeyPair> | null = null;

  constructor(private readonly generate: () => Promise<CertificateKeyPair> = () => keyPairReserve.take()) {}

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
