/**
 * The "Act-On Connector" app's certificate in the sandbox. Act-On registers one multi-tenant app in its own tenant
 * and uploads its certificate there (Microsoft's "multi-tenant server-to-server authentication" for Dataverse); here
 * the certificate is made with the sandbox's TLS material (core/tls.ts, `acton-connector.pem`) and registered once
 * per process, and every scenario puts it on the actoncorp app as a key credential.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { KeyCredential } from "../core/state";

/** Fixed, so the key credential reads the same on every machine (the certificate itself differs per machine). */
const ACTON_CONNECTOR_KEY_ID = "34000000-0000-4000-8000-000000000002";

let registered: X509Certificate | null = null;

/** Reads the connector's certificate from its PEM file (the private key beside it is the portal's, never read here). */
export function registerActonConnectorCertificate(pemFile: string): void {
  const pem = readFileSync(pemFile, "utf8");
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!block) throw new Error(`${pemFile} holds no certificate`);
  registered = new X509Certificate(block);
}

/** The connector app's key credentials: its certificate once the sandbox registered one, else none. */
export function actonConnectorKeyCredentials(): KeyCredential[] {
  if (!registered) return [];
  return [
    {
      keyId: ACTON_CONNECTOR_KEY_ID,
      displayName: "CN=Act-On Connector (sandbox)",
      type: "AsymmetricX509Cert",
      usage: "Verify",
      startDateTime: new Date(registered.validFrom).toISOString(),
      endDateTime: new Date(registered.validTo).toISOString(),
      customKeyIdentifier: createHash("sha1").update(registered.raw).digest("hex").toUpperCase(),
      certificateDer: registered.raw.toString("base64"),
    },
  ];
}
