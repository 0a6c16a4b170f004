/**
 * The legacy (user name and password) form: the environment, the integration user and their password, and the role
 * the plan was asked for. One schema for the form and the server action. Pure. The password is validated here and
 * handed to the engine's encrypted store; it is never part of the form's state sent back to the browser.
 */
import { z } from "zod";
import type { FormState } from "@/lib/core/forms";
import { environmentFormSchema, ROLE_CHOICES } from "../form-schemas";

/** A Microsoft Entra sign-in name (UPN): name@domain, as the password sign-in needs. */
const UPN = /^[^@\s\\/]+@[^@\s\\/]+\.[^@\s\\/]+$/;

export const legacyInputSchema = z
  .object({
    environment: z.string().trim().max(2048).optional(),
    pastedUrl: z.string().trim().max(2048).optional(),
    integrationUsername: z
      .string()
      .trim()
      .min(1, "Enter the integration user's sign-in name, e.g. crm.integration@contoso.com.")
      .max(256, "That user name is too long.")
      .regex(UPN, "Enter the user's Microsoft sign-in name, as name@domain (e.g. crm.integration@contoso.com)."),
    password: z.string().min(1, "Enter the integration user's password.").max(256, "That password is too long."),
    role: z.enum(ROLE_CHOICES, { error: "Choose the security role the application user gets." }).default("leastPrivilege"),
  })
  .transform((v, ctx) => {
    const env = environmentFormSchema.safeParse({ environment: v.environment, pastedUrl: v.pastedUrl });
    if (!env.success) {
      for (const issue of env.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return { environment: env.data.environment, integrationUsername: v.integrationUsername, password: v.password, role: v.role };
  });

/** What the form shows after a submit: the values typed (never the password) and the problems, field by field. */
export type LegacyFormState = FormState<{ values: { environment: string; pastedUrl: string; integrationUsername: string } }>;

/** The migration's confirmation: one button, one fixed value (anything else changes nothing). */
export const migrateInputSchema = z.object({ confirm: z.literal("move-to-oauth", { error: "Use the Move to OAuth button." }) });
