/**
 * Where a Microsoft sign-in started from a path's own page returns: that page of the session's connection, instead of
 * the page the connection's state calls for. A closed list, so the value can never become an open redirect. Pure.
 */
import { z } from "zod";
import { organizationSchema } from "./sign-in-organization";

const SIGN_IN_RETURN_PAGES = ["legacy", "migrate"] as const;
export const signInReturnPageSchema = z.enum(SIGN_IN_RETURN_PAGES);
export type SignInReturnPage = z.infer<typeof signInReturnPageSchema>;

/**
 * The sign-in start form's fields: `then` and `organization` (a guest's or partner's customer organization; empty =
 * not given) are optional; anything else in it is ignored.
 */
export const signInStartFormSchema = z.object({
  then: signInReturnPageSchema.optional(),
  organization: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), organizationSchema.optional()),
});

/** Where the callback sends the browser for a session's connection. */
export function signInReturnPath(connectionId: string | null, then: SignInReturnPage | undefined): string {
  if (!connectionId) return "/auth/sign-in";
  const base = `/connect/${encodeURIComponent(connectionId)}`;
  return then ? `${base}/${then}` : base;
}
