/**
 * What an admin who set Act-On up by hand enters: the tenant, the app's client id, a client secret and the
 * environment URL. One schema for the form and the server action. Pure.
 */
import { z } from "zod";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A verified domain (contoso.onmicrosoft.com, contoso.com) or a tenant id. */
const TENANT =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/i;

export const manualConnectionInputSchema = z.object({
  tenant: z
    .string()
    .trim()
    .min(1, "Enter your Directory (tenant) ID or your tenant's domain.")
    .regex(TENANT, "Enter the Directory (tenant) ID (a GUID) or a domain such as contoso.onmicrosoft.com."),
  clientId: z
    .string()
    .trim()
    .min(1, "Enter the app's Application (client) ID.")
    .regex(GUID, "The Application (client) ID is a GUID, like 11111111-2222-3333-4444-555555555555. Copy it from the app's Overview page."),
  clientSecret: z
    .string()
    .min(1, "Enter the client secret's Value.")
    .max(1024, "That is too long for a client secret. Copy the secret's Value column.")
    .refine((s) => s.trim() === s, "Remove the spaces before or after the secret.")
    .refine(
      (s) => !GUID.test(s),
      "That looks like the secret's ID. Copy the Value column instead (it is shown only once, right after you add the secret).",
    ),
  environmentUrl: z
    .string()
    .trim()
    .min(1, "Enter your Dynamics 365 environment's URL.")
    .regex(/^https:\/\//i, "Enter the environment's URL starting with https://, for example https://contoso.crm.dynamics.com."),
});

export type ManualConnectionInput = z.infer<typeof manualConnectionInputSchema>;
