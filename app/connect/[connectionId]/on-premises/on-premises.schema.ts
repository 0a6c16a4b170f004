/** The on-premises form: the server's URL and a domain user. One schema for the form and the server action. Pure. */
import { z } from "zod";
import type { FormState } from "@/lib/core/forms";

export const onPremisesInputSchema = z.object({
  serverUrl: z
    .string()
    .trim()
    .min(1, "Enter your Dynamics 365 server's address, e.g. https://crm.contoso.com/contoso.")
    .max(2048)
    .regex(/^https:\/\//i, "Use the server's https:// address: Act-On sends the password only over an encrypted connection."),
  username: z
    .string()
    .trim()
    .min(1, "Enter the domain user, as DOMAIN\\user.")
    .max(256)
    .regex(/^(?:[^\\\s@/]+\\[^\\\s@/]+|[^@\s\\]+@[^@\s\\]+\.[^@\s\\]+)$/, "Enter the user as DOMAIN\\user (or user@domain.com)."),
  password: z.string().min(1, "Enter the user's password.").max(256, "That password is too long."),
});

/** What the form shows after a submit: never the password. */
export type OnPremisesFormState = FormState<{ values: { serverUrl: string; username: string }; code?: string }>;
