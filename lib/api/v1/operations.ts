/**
 * Every /api/v1 operation, once: method, path, the app roles that may call it, its input schemas and its answers.
 * Route handlers take their operation from here (`apiRoute(OPERATIONS.x, …)`) and the OpenAPI document is generated
 * from the same table, so a route, its validation and its documentation cannot disagree. Pure.
 */
import type { z } from "zod";
import type { AppRole } from "../../api-auth/app-roles";
import {
  connectionIdParamsSchema,
  connectionListSchema,
  connectionSchema,
  credentialsSchema,
  deepLinkRequestSchema,
  deepLinkSchema,
  deliveryIdParamsSchema,
  deliveryListQuerySchema,
  deliveryListSchema,
  deliverySchema,
  endpointIdParamsSchema,
  listConnectionsQuerySchema,
  secretRotationSchema,
  testSendSchema,
  verificationSchema,
  webhookEndpointCreatedSchema,
  webhookEndpointInputSchema,
  webhookEndpointListSchema,
  webhookEndpointPatchSchema,
  webhookEndpointSchema,
} from "./schemas";

export type ApiOperation = {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path template (`{id}`). */
  path: string;
  summary: string;
  description?: string;
  tag: "Connections" | "Deep links" | "Webhooks";
  roles: AppRole[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success status and schema (null = no body). */
  success: { status: 200 | 201 | 202 | 204; schema: z.ZodType | null; description: string };
  /** Error statuses this operation may answer besides 401/403/429/500, which all have. */
  errors: (400 | 404 | 409 | 415 | 422 | 502 | 503)[];
};

const SUPPORT: AppRole[] = ["Support.Read", "Support.Admin"];

export const OPERATIONS = {
  listConnections: {
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
  listConnectionDeliveries: {
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
    method: "post",
    path: "/api/v1/deep-links",
    summary: "Mint a deep link",
    description: "A signed, single-use link that brings the account's admin to the portal for the intent.",
    tag: "Deep links",
    roles: ["Connections.Read"],
    body: deepLinkRequestSchema,
    success: { status: 201, schema: deepLinkSchema, description: "The link" },
    errors: [400, 404, 409, 415, 422],
  },
  listWebhookEndpoints: {
    method: "get",
    path: "/api/v1/webhooks/endpoints",
    summary: "List webhook endpoints",
    tag: "Webhooks",
    roles: SUPPORT,
    success: { status: 200, schema: webhookEndpointListSchema, description: "Every endpoint" },
    errors: [],
  },
  createWebhookEndpoint: {
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
    method: "post",
    path: "/api/v1/webhooks/endpoints/{id}/secret-rotations",
    summary: "Rotate an endpoint's signing secret",
    description: "The previous secret keeps signing (a second signature) for 24 hours, so receivers can switch without losing events.",
    tag: "Webhooks",
    roles: ["Support.Admin"],
    params: endpointIdParamsSchema,
    success: { status: 201, schema: secretRotationSchema, description: "The new secret, once" },
    errors: [400, 404],
  },
  testWebhookEndpoint: {
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
} as const satisfies Record<string, ApiOperation>;

export type OperationName = keyof typeof OPERATIONS;
