/**
 * The sandbox's TLS material. MSAL refuses non-https authorities (`authority_uri_insecure`), so the sandbox serves
 * HTTPS with a server certificate signed by a local CA generated on first start. Node trusts the CA through
 * `NODE_EXTRA_CA_CERTS=<dataDir>/ca-bundle.pem`; that variable is read only at process start, so the lead's runner
 * calls `ensureSandboxCertificates` (or `emulator/cli.ts certs`) before spawning vitest or Next.
 *
 * Keys come from node:crypto (fast native RSA); node-forge only builds and signs the X.509 certificates.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import forge from "node-forge";

export type SandboxCertificatePaths = {
  dataDir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** System CA bundle + sandbox CA: the file to put in NODE_EXTRA_CA_CERTS. */
  caBundle: string;
  /**
   * The "Act-On Connector" app's certificate and private key (one PEM file): the sandbox's actoncorp tenant holds
   * the certificate on the app, and the portal signs client assertions with the key (ACTON_CONNECTOR_CERTIFICATE_FILE).
   */
  actonConnector: string;
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo, for Chromium's --ignore-certificate-errors-spki-list. */
  caSpkiSha256: string;
};

const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const CA_SUBJECT = "Dynamics Onboarding Portal Microsoft Sandbox CA";
/** Browsers cap leaf certificate validity at 398 days; stay under it and renew a month ahead. */
const SERVER_CERT_DAYS = 397;
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** `<repo>/.data/sandbox`, or EMULATOR_DATA_DIR. Resolved from this file so the cwd does not matter. */
export function defaultDataDir(): string {
  const fromEnv = process.env.EMULATOR_DATA_DIR;
  if (fromEnv) return resolve(fromEnv);
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", ".data", "sandbox");
}

/**
 * Creates (once) the sandbox CA and the localhost server certificate under `dataDir`, renews the server
 * certificate when it nears expiry, and rewrites `ca-bundle.pem` when its inputs changed. Safe to call from several
 * processes at once (a lock directory serialises first-time generation). Does not start any server.
 */
export function ensureSandboxCertificates(dataDir: string = defaultDataDir()): SandboxCertificatePaths {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const paths = {
    dataDir: dir,
    caCert: join(dir, "ca.pem"),
    caKey: join(dir, "ca-key.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server-key.pem"),
    caBundle: join(dir, "ca-bundle.pem"),
    actonConnector: join(dir, "acton-connector.pem"),
  };
  withLock(join(dir, ".certs.lock"), () => {
    if (!existsSync(paths.caCert) || !existsSync(paths.caKey)) {
      const ca = createCa();
      writeAtomic(paths.caKey, ca.keyPem, 0o600);
      writeAtomic(paths.caCert, ca.certPem);
      rmSync(paths.serverCert, { force: true }); // a new CA invalidates the old leaf
    }
    if (!existsSync(paths.serverCert) || !existsSync(paths.serverKey) || isNearExpiry(paths.serverCert)) {
      const leaf = createServerCertificate(readFileSync(paths.caCert, "utf8"), readFileSync(paths.caKey, "utf8"));
      writeAtomic(paths.serverKey, leaf.keyPem, 0o600);
      writeAtomic(paths.serverCert, leaf.certPem);
    }
    if (!existsSync(paths.actonConnector) || isNearExpiry(paths.actonConnector))
      writeAtomic(paths.actonConnector, createConnectorCertificate(), 0o600);
    const bundle = buildBundle(readFileSync(paths.caCert, "utf8"), paths.caBundle);
    if (!existsSync(paths.caBundle) || readFileSync(paths.caBundle, "utf8") !== bundle) writeAtomic(paths.caBundle, bundle);
  });
  return { ...paths, caSpkiSha256: spkiHash(readFileSync(paths.caCert, "utf8")) };
}

/**
 * Appends the sandbox CA to the system bundle (and to any other bundle NODE_EXTRA_CA_CERTS already names, such as a
 * corporate proxy's), never replacing them: NODE_EXTRA_CA_CERTS is a single file, and setting it to our CA alone
 * would drop the box's own extra roots.
 */
function buildBundle(caPem: string, bundlePath: string): string {
  const parts: string[] = [];
  const sources = new Set<string>();
  if (existsSync(SYSTEM_BUNDLE)) sources.add(SYSTEM_BUNDLE);
  const inherited = process.env.NODE_EXTRA_CA_CERTS;
  if (inherited && resolve(inherited) !== resolve(bundlePath) && existsSync(inherited)) sources.add(resolve(inherited));
  for (const file of sources) {
    const text = readFileSync(file, "utf8").trim();
    if (text && !parts.includes(text)) parts.push(text);
  }
  parts.push(`# ${CA_SUBJECT}\n${caPem.trim()}`);
  return parts.join("\n") + "\n";
}

function generateRsaKey(): { keyPem: string; forgeKeys: { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  // forge reads PKCS#1 ("RSA PRIVATE KEY"); Node's TLS accepts either form.
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgePrivate = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const forgePublic = forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e);
  return { keyPem, forgeKeys: { privateKey: forgePrivate, publicKey: forgePublic } };
}

/**
 * A positive 16-byte serial (hex, as forge takes it) whose first byte lies in 0x40-0x7f: never negative, and never
 * a leading zero byte, which forge's DER encoder strips only once (0x00 0x00 0x3f… became the non-minimal
 * 0x00 0x3f…, which OpenSSL refuses as "illegal padding").
 */
export function serialNumber(random: Buffer = randomBytes(16)): string {
  const bytes = Buffer.from(random);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}

function createCa(): { certPem: string; keyPem: string } {
  const { keyPem, forgeKeys } = generateRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const subject = [
    { name: "commonName", value: CA_SUBJECT },
    { name: "organizationName", value: "Local development sandbox" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forgeKeys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

function createServerCertificate(caCertPem: string, caKeyPem: string): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const { keyPem, forgeKeys } = generateRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + SERVER_CERT_DAYS * 24 * 3600_000);
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 2, value: "localhost" },
        { type: 7, ip: "127.0.0.1" },
        { type: 7, ip: "::1" },
      ],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * A self-signed certificate for the Act-On Connector app, as an ISV makes one for its app registration (Entra checks
 * the key, not the issuer): PKCS#8 private key followed by the certificate, in one file.
 */
function createConnectorCertificate(): string {
  const { keyPem, forgeKeys } = generateRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 24 * 3600_000);
  const subject = [
    { name: "commonName", value: "Act-On Connector (sandbox)" },
    { name: "organizationName", value: "Local development sandbox" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, critical: true },
  ]);
  cert.sign(forgeKeys.privateKey, forge.md.sha256.create());
  const pkcs8 = createPrivateKey(keyPem).export({ type: "pkcs8", format: "pem" }).toString();
  return `${pkcs8.trim()}\n${forge.pki.certificateToPem(cert).trim()}\n`;
}

function isNearExpiry(certPath: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    return Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS;
  } catch {
    return true;
  }
}

function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

function writeAtomic(file: string, content: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

/** A mkdir lock: atomic on every filesystem we run on; a lock older than 30 s is from a crashed process. */
function withLock(lockDir: string, fn: () => void): void {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 30_000) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // the holder just released it
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
