/**
 * Inputs of the support console's API: one zod schema per input, shared by the route that validates it and the page
 * that sends it. Pure.
 */
import { z } from "zod";

/** Connection ids are cuids; anything else is refused before a query runs. */
const connectionIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a connection id");

/** The path of a console route about one connection (`/api/support/connections/{id}…`). */
export const supportConnectionParamsSchema = z.object({ id: connectionIdSchema });

export const reconnectLinkRequestSchema = z.object({
  /** The customer admin the link is for: Act-On names them in the link, and the portal shows it at sign-in. */
  userEmail: z.email("userEmail must be an e-mail address").max(254),
});

export const revokeAccessRequestSchema = z.object({
  /** Why, in the support person's words; stored in the audit log. */
  reason: z.string().trim().min(3, "reason must say why (3 characters at least)").max(200),
});
