import { z } from "zod";

const param = z.string().max(4096).optional();

/** Microsoft's redirect to /auth/callback (response_mode=query), and the admin-consent endpoint's. */
export const callbackQuerySchema = z.object({
  code: param,
  state: z.string().max(512).optional(),
  error: z.string().max(200).optional(),
  error_description: param,
  error_subcode: z.string().max(200).optional(),
  admin_consent: z.string().max(20).optional(),
  tenant: z.string().max(200).optional(),
});
