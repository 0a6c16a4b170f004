import { z } from "zod";

/** `/launch?t=<compact JWS>`: only the shape here; lib/deep-link verifies what it says. */
export const launchQuerySchema = z.object({
  t: z
    .string()
    .min(1)
    .max(8192)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/),
});
