/**
 * What the admin (or the command line) asked for when starting a run. Pure zod schema, shared by the API, the CLI
 * and the engine; stored on the run (never a secret: passwords go to the encrypted Secret table).
 */
import { z } from "zod";

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
    disconnect: z.object({ removeApplicationUser: z.boolean().default(false), deleteAppRegistration: z.boolean().default(false) }).optional(),
    /** Who started the run (admin UPN, support user, "cli:<user>"). */
    requestedBy: z.string().min(1).max(256),
    /** Where Microsoft's admin-consent page sends the admin back (consent: "redirect"). */
    consentRedirectUri: z.string().url().optional(),
  })
  .refine((o) => o.consent !== "redirect" || !!o.consentRedirectUri, {
    path: ["consentRedirectUri"],
    message: "is required when the admin approves consent on Microsoft's page",
  });

export type RunOptions = z.infer<typeof runOptionsSchema>;
export type RunOptionsInput = z.input<typeof runOptionsSchema>;
