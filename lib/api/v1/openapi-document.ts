/**
 * The OpenAPI 3.1 document of /api/v1, generated from the public OPERATIONS and the zod schemas the routes validate
 * with. The support console's operations are not in it.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from "@asteasolutions/zod-to-openapi";
import type { z } from "zod";
import { PUBLIC_OPERATIONS, type PublicOperation } from "../operations";
import { problemSchema } from "./schemas";

const COMMON_ERRORS = [401, 403, 429, 500] as const;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad input (the field is named in `errors`); nothing changed",
  401: "Missing, expired or invalid access token, one for another tenant or audience, one that lives longer than Entra issues (28 h), or one that is neither a delegated (scp) nor an app-only token",
  403: "The token lacks the app role this operation needs",
  404: "Not found",
  409: "The resource is not in a state that allows this",
  415: "The body is not JSON",
  422: "The JSON body does not validate (the field is named in `errors`); nothing changed",
  429: "Rate limited: wait Retry-After seconds",
  500: "Unexpected error",
  502: "A Microsoft service did not answer",
  503: "Temporarily unavailable",
};

let cached: object | undefined;

export function buildOpenApiDocument(): object {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "entra", {
    type: "oauth2",
    description:
      "Entra ID access tokens issued in Act-On's tenant for the portal's API (`api://<PORTAL_CLIENT_ID>`). Services use client credentials (`api://<PORTAL_CLIENT_ID>/.default`) with the application roles Connections.Read / Connections.Credentials.Read / Connections.Links.Write (minting deep links); support staff sign in to the console (authorization code with PKCE) and hold Support.Read / Support.Admin.",
    flows: {
      clientCredentials: { tokenUrl: "https://login.microsoftonline.com/{ACTON_TENANT_ID}/oauth2/v2.0/token", scopes: {} },
    },
  });
  for (const [operationId, op] of Object.entries(PUBLIC_OPERATIONS) as [string, PublicOperation][]) {
    const problem = { content: { "application/problem+json": { schema: problemSchema } } };
    const responses: Record<string, ResponseConfig> = {
      [op.success.status]: op.success.schema
        ? { description: op.success.description, content: { "application/json": { schema: op.success.schema } } }
        : { description: op.success.description },
    };
    for (const status of [...op.errors, ...COMMON_ERRORS]) responses[status] = { description: ERROR_DESCRIPTIONS[status], ...problem };
    responses[429] = { ...responses[429], headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } } };
    registry.registerPath({
      method: op.method,
      path: op.path,
      operationId,
      summary: op.summary,
      description: `${op.description ? `${op.description}\n\n` : ""}App roles (any of): ${op.roles.join(", ")}.`,
      tags: [op.tag],
      security: [{ entra: [] }],
      "x-app-roles": [...op.roles],
      request: {
        ...(op.params ? { params: op.params as z.ZodObject } : {}),
        ...(op.query ? { query: op.query as z.ZodObject } : {}),
        ...(op.body ? { body: { required: true, content: { "application/json": { schema: op.body } } } } : {}),
      },
      responses,
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  cached = generator.generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Act-On Dynamics onboarding portal API",
      version: "1.0.0",
      description:
        "Connections of Act-On accounts to Microsoft Dynamics 365: their state, the connector's credentials, deep links and webhooks. Errors are RFC 9457 problem details.",
    },
    servers: [{ url: "/" }],
  });
  return cached;
}
