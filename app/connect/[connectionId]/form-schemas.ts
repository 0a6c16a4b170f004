/**
 * The journey's form inputs as zod schemas, shared by the forms (field names) and the server actions (validation).
 * Pure. Every action parses with these before it reads or writes anything.
 */
import { z } from "zod";
import { APPROVAL_KINDS } from "@/lib/connect/approval-kind";

const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "is not a run id");

/** The environment picker: a listed environment's URL, or a pasted URL (which wins when filled in). */
export const environmentFormSchema = z
  .object({
    environment: z.string().trim().max(2048).optional(),
    pastedUrl: z.string().trim().max(2048).optional(),
  })
  .transform((v, ctx) => {
    const pasted = v.pastedUrl || undefined;
    if (pasted) {
      let url: URL | null = null;
      try {
        url = new URL(pasted);
      } catch {
        url = null;
      }
      if (!url || url.protocol !== "https:") {
        ctx.addIssue({
          code: "custom",
          path: ["pastedUrl"],
          message: "Paste the environment's full address, starting with https://, e.g. https://contoso.crm.dynamics.com.",
        });
        return z.NEVER;
      }
      return { environment: url.toString().replace(/\/+$/, "") };
    }
    if (!v.environment) {
      ctx.addIssue({ code: "custom", path: ["environment"], message: "Choose an environment, or paste its URL." });
      return z.NEVER;
    }
    return { environment: v.environment };
  });

export const ROLE_CHOICES = ["leastPrivilege", "systemAdministrator"] as const;

/** The approval form names the kind of plan it showed: only that kind is approved (approve.ts). */
export const approveFormSchema = z
  .object({
    runId: runIdSchema,
    approve: z.enum(APPROVAL_KINDS, { error: "Reload the page: it did not say which plan you approve." }),
    role: z.enum(ROLE_CHOICES, { error: "Choose the security role the application user gets." }).optional(),
  })
  .refine((v) => v.approve === "disconnect" || v.role !== undefined, {
    path: ["role"],
    message: "Choose the security role the application user gets.",
  });

export const runFormSchema = z.object({ runId: runIdSchema });
