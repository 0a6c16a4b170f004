/**
 * Every operation of the portal's API, once: Act-On's public API (/api/v1) and the support console's own API
 * (/api/support). Method, path, who may call it, its input schemas and its answers. Route handlers take their operation
 * from here (`apiRoute(OPERATIONS.x, …)`) and the OpenAPI document is generated from the public ones, so a route, its
 * validation and its documentation cannot disagree. Pure.
 */
import type { z } from "zod";
import type { AppRole } from "../api-auth/app-roles";
import { supportConnectionSearchSchema } from "../connections/support-search";
import { reconnectLinkRequestSchema, revokeAccessRequestSchema, supportConnectionParamsSchema } from "../support/support-action-schemas";
import {
  connectionIdParamsSchema,
  connectionListSchema,
  connectionSchema,
  accessTokenSchema,
  credentialsSchema,
  deepLinkRequestSchema,
  deepLinkSchema,
  deliveryIdParamsSchema,
  deliveryListQuerySchema,
  deliveryListSchema,
  deliverySchema,
  endpointIdParamsSchema,
  listConnectionsQuerySchema,
  secretRotationRequestSchema,
  secretRotationSchema,
  testSendSchema,
  verificationSchema,
  webhookEndpointCreatedSchema,
  webhookEndpointInputSchema,
  webhookEndpointListSchema,
  webhookEndpointPatchSchema,
  webhookEndpointSchema,
} from "./v1/schemas";

type SuccessStatus = 200 | 201 | 202 | 204;

type OperationCommon = {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path template (`{id}`). */
  path: string;
  summary: string;
  description?: string;
  /** App roles that may call it (any of). */
  roles: readonly AppRole[];
  params?: z.ZodType;
  /** A plain object refuses parameters it does not declare (400); a `.loose()` one ignores them. */
  query?: z.ZodType;
  /** Its JSON body; an operation without one accepts a request without one. */
  body?: z.ZodType;
  /** Error statuses this operation may answer besides 401/403/429/500, which all have. */
  errors: (400 | 404 | 409 | 415 | 422 | 502 | 503)[];
};

/** Act-On's API: services (app-only tokens) and the console's webhook pages; documented in /api/v1/openapi.json. */
export type PublicOperation = OperationCommon & {
  audience: "public";
  tag: "Connections" | "Deep links" | "Webhooks";
  /** Success status and schema (null = no body). */
  success: { status: SuccessStatus; schema: z.ZodType | null; description: string };
};

/**
 * The support console's own API: only Act-On staff signed in as themselves (delegated tokens; a service token is
 * refused even with a Support role), tagged Support and left out of the public document (its answers are the console's
 * views, not a contract with Act-On's servers).
 */
type SupportOperation = OperationCommon & {
  audience: "support";
  tag: "Support";
  success: { status: SuccessStatus; description: string };
};

export type ApiOperation = PublicOperation | SupportOperation;

const SUPPORT: AppRole[] = ["Support.Read", "Support.Admin"];
const SUPPORT_ADMIN: AppRole[] = ["Support.Admin"];

export const OPERATIONS = {
  listConnections: {
    audience: "public",
    method: "get",
    path: "/api/v1/connections",
    summary: "List connections",
    description: "Oldest change first, keyset-paginated: follow `nextCursor`; poll with `updatedSince` to sync.",
    tag: "Connections",
    roles: ["Connections.Read"],
    query: listConnectionsQuerySchema,
    success: { status: 200, schema: connectionListSchema, description: "A page of connections" },
    errors: [400],
  },
  getConnection: {
    audience: "public",
    method: "get",
    path: "/api/v1/connections/{id}",
    summary: "Read a connection",
    tag: "Connections",
    roles: ["Connections.Read"],
    params: connectionIdParamsSchema,
    success: { status: 200, schema: connectionSchema, description: "The connection (never a secret)" },
    errors: [400, 404],
  },
  getConnectionCredentials: {
    audience: "public",
    method: "get",
    path: "/api/v1/connections/{id}/credentials",
    summary: "Read an Active connection's credentials",
    description: "Only with Connections.Credentials.Read, only for an Active connection; every read is audited with the caller. Never cached.",
    tag: "Connections",
    roles: ["Connections.Credentials.Read"],
    params: connectionIdParamsSchema,
    success: { status: 200, schema: credentialsSchema, description: "What the connector signs in with" },
    errors: [400, 404, 409],
  },
  createConnectionAccessToken: {
    audience: "public",
    method: "post",
    path: "/api/v1/connections/{id}/access-tokens",
    summary: "Mint a Dataverse access token for an Active connection",
    description:
      "A Dataverse access token for the connection's environment, minted by the portal with the connection's own app credential, so Act-On's connector holds no long-lived credential. The same token is returned until five minutes before it expires. Only with Connections.Token, only for an Active app-only connection (409 for a password connection, or when Microsoft refuses the connection's credential; 502 when Microsoft does not answer). Every answer is audited with the caller. Never cached.",
    tag: "Connections",
    roles: ["Connections.Token"],
    params: connectionIdParamsSchema,
    success: { status: 200, schema: accessTokenSchema, description: "A token for the environment's Web API" },
    errors: [400, 404, 409, 502],
  },
  listConnectionDeliveries: {
    audience: "public",
    method: "get",
    path: "/api/v1/connections/{id}/webhook-deliveries",
    summary: "A connection's webhook deliveries",
    tag: "Webhooks",
    roles: ["Connections.Read", ...SUPPORT],
    params: connectionIdParamsSchema,
    query: deliveryListQuerySchema,
    success: { status: 200, schema: deliveryListSchema, description: "Newest first" },
    errors: [400, 404],
  },
  requestVerification: {
    audience: "public",
    method: "post",
    path: "/api/v1/connections/{id}/verification",
    summary: "Verify a connection again",
    description:
      "Signs in with the connection's stored credential and calls WhoAmI, changing nothing at Microsoft. Refused (409) for a connection with nothing to verify (draft, disconnecting, disconnected) or while another run holds it. Audited with the caller.",
    tag: "Connections",
    roles: ["Connections.Read", "Support.Admin"],
    params: connectionIdParamsSchema,
    success: { status: 202, schema: verificationSchema, description: "Verification started" },
    errors: [400, 404, 409],
  },
  createDeepLink: {
    audience: "public",
    method: "post",
    path: "/api/v1/deep-links",
    summary: "Mint a deep link",
    description:
      "A signed, single-use link that brings the account's admin to the portal for the intent (`connect`, `reconnect` or `status`). The link opens a session that may change the account's connection, so minting one needs the write role Connections.Links.Write; Connections.Read alone is refused (403). Audited with the caller.",
    tag: "Deep links",
    roles: ["Connections.Links.Write"],
    body: deepLinkRequestSchema,
    success: { status: 201, schema: deepLinkSchema, description: "The link" },
    errors: [400, 404, 409, 415, 422],
  },
  listWebhookEndpoints: {
    audience: "public",
    method: "get",
    path: "/api/v1/webhooks/endpoints",
    summary: "List webhook endpoints",
    tag: "Webhooks",
    roles: SUPPORT,
    success: { status: 200, schema: webhookEndpointListSchema, description: "Every endpoint" },
    errors: [],
  },
  createWebhookEndpoint: {
    audience: "public",
    method: "post",
    path: "/api/v1/webhooks/endpoints",
    summary: "Add a webhook endpoint",
    description: "The URL must be HTTPS on a public address. The answer holds the signing secret, once.",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    body: webhookEndpointInputSchema,
    success: { status: 201, schema: webhookEndpointCreatedSchema, description: "The endpoint and its signing secret" },
    errors: [400, 415, 422],
  },
  getWebhookEndpoint: {
    audience: "public",
    method: "get",
    path: "/api/v1/webhooks/endpoints/{id}",
    summary: "Read a webhook endpoint",
    tag: "Webhooks",
    roles: SUPPORT,
    params: endpointIdParamsSchema,
    success: { status: 200, schema: webhookEndpointSchema, description: "The endpoint (never its secrets' values)" },
    errors: [400, 404],
  },
  updateWebhookEndpoint: {
    audience: "public",
    method: "patch",
    path: "/api/v1/webhooks/endpoints/{id}",
    summary: "Change a webhook endpoint",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    params: endpointIdParamsSchema,
    body: webhookEndpointPatchSchema,
    success: { status: 200, schema: webhookEndpointSchema, description: "The endpoint" },
    errors: [400, 404, 415, 422],
  },
  deleteWebhookEndpoint: {
    audience: "public",
    method: "delete",
    path: "/api/v1/webhooks/endpoints/{id}",
    summary: "Remove a webhook endpoint and its pending deliveries",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    params: endpointIdParamsSchema,
    success: { status: 204, schema: null, description: "Removed" },
    errors: [400, 404],
  },
  rotateWebhookSecret: {
    audience: "public",
    method: "post",
    path: "/api/v1/webhooks/endpoints/{id}/secret-rotations",
    summary: "Rotate an endpoint's signing secret",
    description:
      "By default the previous secret keeps signing (a second signature) for 24 hours, so receivers can switch without losing events. With `revokePrevious: true` (a leaked secret) every previous secret stops signing at once: deliveries sent from then on carry only the new secret's signature. Audited with the caller.",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    params: endpointIdParamsSchema,
    body: secretRotationRequestSchema,
    success: { status: 201, schema: secretRotationSchema, description: "The new secret, once" },
    errors: [400, 404, 415, 422],
  },
  testWebhookEndpoint: {
    audience: "public",
    method: "post",
    path: "/api/v1/webhooks/endpoints/{id}/test-sends",
    summary: "Send a signed test event now",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    params: endpointIdParamsSchema,
    success: { status: 200, schema: testSendSchema, description: "What the receiver answered" },
    errors: [400, 404],
  },
  listEndpointDeliveries: {
    audience: "public",
    method: "get",
    path: "/api/v1/webhooks/endpoints/{id}/deliveries",
    summary: "An endpoint's deliveries",
    tag: "Webhooks",
    roles: SUPPORT,
    params: endpointIdParamsSchema,
    query: deliveryListQuerySchema,
    success: { status: 200, schema: deliveryListSchema, description: "Newest first" },
    errors: [400, 404],
  },
  redeliverWebhook: {
    audience: "public",
    method: "post",
    path: "/api/v1/webhooks/deliveries/{id}/redeliveries",
    summary: "Deliver an event again",
    description: "Puts the delivery back in the queue (same webhook-id, so receivers can deduplicate), retried for another day.",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    params: deliveryIdParamsSchema,
    success: { status: 202, schema: deliverySchema, description: "The delivery, pending again" },
    errors: [400, 404],
  },
  supportMe: {
    audience: "support",
    method: "get",
    path: "/api/support/me",
    summary: "Who the signed-in staff member is, and their Support roles",
    tag: "Support",
    roles: SUPPORT,
    success: { status: 200, description: "The staff member" },
    errors: [],
  },
  supportListConnections: {
    audience: "support",
    method: "get",
    path: "/api/support/connections",
    summary: "Every connection, searched, filtered and keyset-paginated",
    tag: "Support",
    roles: SUPPORT,
    // The console passes its own page's query on, so a parameter it does not know (a shared link's tracking tag)
    // is ignored rather than refused.
    query: supportConnectionSearchSchema.loose(),
    success: { status: 200, description: "A page of connections, newest change first" },
    errors: [400],
  },
  supportGetConnection: {
    audience: "support",
    method: "get",
    path: "/api/support/connections/{id}",
    summary: "One connection: state, runs and steps with their errors and request ids, audit log",
    tag: "Support",
    roles: SUPPORT,
    params: supportConnectionParamsSchema,
    success: { status: 200, description: "The connection (never a secret)" },
    errors: [400, 404],
  },
  supportMintReconnectLink: {
    audience: "support",
    method: "post",
    path: "/api/support/connections/{id}/reconnect-link",
    summary: "Mint a signed reconnect link for the connection's account (audited)",
    tag: "Support",
    roles: SUPPORT_ADMIN,
    params: supportConnectionParamsSchema,
    body: reconnectLinkRequestSchema,
    success: { status: 201, description: "The link" },
    errors: [400, 404, 415, 422],
  },
  supportRevokeAccess: {
    audience: "support",
    method: "post",
    path: "/api/support/connections/{id}/access-revocation",
    summary: "Sign the customer's account out and spend its unused console-minted links (audited)",
    tag: "Support",
    roles: SUPPORT_ADMIN,
    params: supportConnectionParamsSchema,
    body: revokeAccessRequestSchema,
    success: { status: 200, description: "How many sessions and links were ended" },
    errors: [400, 404, 415, 422],
  },
  supportRequestVerification: {
    audience: "support",
    method: "post",
    path: "/api/support/connections/{id}/verification",
    summary: "Verify the connection's stored credential again (read-only at Microsoft, audited)",
    tag: "Support",
    roles: SUPPORT_ADMIN,
    params: supportConnectionParamsSchema,
    success: { status: 202, description: "Verification started, or the one under way joined" },
    errors: [400, 404, 409],
  },
  supportProbeConnection: {
    audience: "support",
    method: "post",
    path: "/api/support/connections/{id}/health-probes",
    summary: "Probe the connection's health now (read-only at Microsoft, audited)",
    description:
      "A token with the stored client secret, then WhoAmI; recorded in the probe history like a scheduled probe. 409 for a connection that is not an Active cloud connection.",
    tag: "Support",
    roles: SUPPORT_ADMIN,
    params: supportConnectionParamsSchema,
    success: { status: 200, description: "What the probe found: the state, the cause and the customer's fix" },
    errors: [400, 404, 409],
  },
} as const satisfies Record<string, ApiOperation>;

type OperationName = keyof typeof OPERATIONS;

/** The operations of Act-On's public API, in table order: the OpenAPI document and its contract tests cover these. */
export type PublicOperationName = { [K in OperationName]: (typeof OPERATIONS)[K]["audience"] extends "public" ? K : never }[OperationName];

export const PUBLIC_OPERATIONS = Object.fromEntries(Object.entries(OPERATIONS).filter(([, op]) => op.audience === "public")) as {
  [K in PublicOperationName]: (typeof OPERATIONS)[K];
};
