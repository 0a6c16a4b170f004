/**
 * "Sign in to another organization": the customer's organization as a guest or partner admin names it, by a verified
 * domain (`contoso.onmicrosoft.com`, `contoso.com`) or its tenant id. Pure, so the form and the route share it.
 */
import { z } from "zod";

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A DNS name of two or more labels: what Entra accepts as a verified domain (so never `common` or `organizations`). */
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const organizationSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => TENANT_ID.test(v) || DOMAIN.test(v), {
    message: "Enter the organization's domain (such as contoso.onmicrosoft.com) or its tenant id (a GUID).",
  });
