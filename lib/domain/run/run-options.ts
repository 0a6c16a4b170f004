/**
 * What the admin (or the command line) asked for when starting a run. Pure zod schema, shared by the API, the CLI
 * and the engine; stored on the run (never a secret: passwords go to the encrypted Secret table).
 */
import { z } from "zod";
import { CREDENTIAL_MODES } from "../secret/credential-mode";

/**
 * Entra registers web redirect URIs only with https (http is allowed for localhost alone), without a fragment; the
 * consent page refuses any URI not registered on the app (AADSTS50011).
 */
export function isAcceptedWebRedirectUri(value: string): boolean {
  try {
    const u = new URL(value);
    if (u.hash || u.username || u.password) return false;
    return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "localhost" || u.hostname === "127.0.0.1"));
  } catch {
    return false;
  }
}

export const runOptionsSchema = z
  .object({
    mode: z.enum(["cloud", "legacy", "onprem"]),
    /** System Administrator as Act-On's article says, or the recommended least-privilege "Act-On Integration" role. */
    role: z.enum(["leastPrivilege", "systemAdministrator"]).default("leastPrivilege"),
    /** Environment name, unique name or URL; omitted means "the only one the admin has", else the admin must choose. */
    environment: z.string().trim().min(1).max(2048).optional(),
    /** Grant tenant-wide consent through Graph, or let the admin click Microsoft's admin-consent page themselves. */
    consent: z.enum(["programmatic", "redirect"]).default("programmatic"),
    /** Legacy and on-premises modes: the integration user (e.g. crm@contoso.com, CONTOSO\\crmadmin). */
    integrationUsername: z.string().trim().min(1).max(256).optional(),
    /** On-premises behind AD FS (IFD): the client id the customer registered with `Add-AdfsClient`. Not a secret. */
    adfsClientId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._:/-]+$/, "may contain letters, digits and . _ : / - only")
      .optional(),
    /**
     * A repair keeps the connection's client secret while Microsoft still has it and it is not about to expire (the
     * plan then shows it as kept); a first connect or a start-over rotates it.
     */
    secret: z.enum(["rotate", "keep"]).default("rotate"),
    /**
     * Cloud mode: what the app signs in with. A certificate (the portal holds its private key; tokens come from signed
     * client assertions) unless a client secret is asked for. Omitted: the connection's current one, else a certificate.
     */
    credential: z.enum(CREDENTIAL_MODES).optional(),
    disconnect: z.object({ removeApplicationUser: z.boolean().default(false), deleteAppRegistration: z.boolean().default(false) }).optional(),
    /** Who started the run (admin UPN, support user, "cli:<user>"). */
    requestedBy: z.string().min(1).max(256),
    /** Where Microsoft's admin-consent page sends the admin back (consent: "redirect"). */
    consentRedirectUri: z
      .string()
      .url()
      .max(256)
      .refine(isAcceptedWebRedirectUri, "must be an https address (Microsoft Entra accepts no other web redirect URI, except http://localhost)")
      .optional(),
  })
  .refine((o) => o.consent !== "redirect" || !!o.consentRedirectUri, {
    path: ["consentRedirectUri"],
    message: "is required when the admin approves consent on Microsoft's page",
  });

export type RunOptions = z.infer<typeof runOptionsSchema>;
export type RunOptionsInput = z.input<typeof runOptionsSchema>;

/** The options stored on a run (a JSON column), parsed: null when they are missing or no longer parse. */
export function parseStoredRunOptions(value: unknown): RunOptions | null {
  const parsed = runOptionsSchema.safeParse(value ?? undefined);
  return parsed.success ? parsed.data : null;
}
