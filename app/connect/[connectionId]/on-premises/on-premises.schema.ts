/**
 * The on-premises form, in two steps: the server's address (asked how it signs in), then the domain user and, for
 * AD FS, the client id registered there. One schema per step for the form and the server action. Pure.
 */
import { z } from "zod";
import type { FormState } from "@/lib/core/forms";
import type { DiscoveredSignIn } from "@/lib/connect/on-premises-sign-in-words";

const serverUrl = z
  .string()
  .trim()
  .min(1, "Enter your Dynamics 365 server's address, e.g. https://crm.contoso.com/contoso.")
  .max(2048)
  .regex(/^https:\/\//i, "Use the server's https:// address: Act-On sends the password only over an encrypted connection.");

export const onPremisesServerSchema = z.object({ serverUrl });

export const onPremisesInputSchema = z
  .object({
    serverUrl,
    signIn: z.enum(["ntlm", "adfs"]),
    username: z
      .string()
      .trim()
      .min(1, "Enter the domain user, as DOMAIN\\user or user@domain.")
      .max(256)
      .regex(/^(?:[^\\\s@/]+\\[^\\\s@/]+|[^@\s\\/]+@[^@\s\\/]+\.[^@\s\\/]+)$/, "Enter the user as DOMAIN\\user (or user@domain.com)."),
    password: z.string().min(1, "Enter the user's password.").max(256, "That password is too long."),
    adfsClientId: z
      .string()
      .trim()
      .max(200)
      .regex(/^[A-Za-z0-9._:/-]*$/, "A client id has letters, digits and . _ : / - only.")
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.signIn === "adfs" && !v.adfsClientId)
      ctx.addIssue({ code: "custom", path: ["adfsClientId"], message: "Enter the client id registered with Add-AdfsClient." });
  });

/** What the form shows after a submit: never the password. `discovered`: how the server signs in, once asked. */
export type OnPremisesFormState = FormState<{
  values: { serverUrl: string; username: string; adfsClientId: string };
  discovered?: DiscoveredSignIn;
  code?: string;
}>;
