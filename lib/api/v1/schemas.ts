/**
 * The Act-On API's (/api/v1) inputs and outputs as zod schemas: the routes validate with them and the OpenAPI
 * document is generated from them (lib/api/v1/openapi-document.ts), so the two cannot drift apart.
 * Pure: no server-only import, so the console's client code may reuse the types.
 */
import { z } from "zod";
import { LAUNCH_INTENTS } from "../../deep-link/launch-link";
import { WEBHOOK_EVENT_TYPES } from "../../domain/webhook-outbox/webhook-events";
import { CONNECTION_STATUSES } from "../../domain/connection/status";
import { HEALTH_CAUSES, HEALTH_STATES } from "../../domain/connection/health-machine";
import { CREDENTIAL_MODES } from "../../domain/secret/credential-mode";

const id = (description: string) => z.string().min(1).max(64).meta({ description });
const isoDate = (description: string) => z.iso.datetime({ offset: true }).meta({ description });
const nullableIsoDate = (description: string) => z.iso.datetime({ offset: true }).nullable().meta({ description });

const AUTH_MODES = ["cloud", "legacy", "onprem"] as const;

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: "The portal's stable error code (AppError code)" }),
    retryable: z.boolean(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ where: z.enum(["query", "body", "path", "header"]), field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "The fields at fault, for bad input" }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

// ---------------------------------------------------------------------------------------------------------------
// Connections

export const connectionIdParamsSchema = z.object({ id: id("The connection's id") });

const commaList = <T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z
    .string()
    .transform((s) => s.split(",").map((v) => v.trim()))
    .pipe(z.array(z.enum(values)).min(1))
    .optional()
    .meta({ description, example: values[0] });

export const listConnectionsQuerySchema = z.object({
  account: z.string().min(1).max(200).optional().meta({ description: "Act-On account id" }),
  status: commaList(CONNECTION_STATUSES, `Comma-separated statuses: ${CONNECTION_STATUSES.join(", ")}`),
  authMode: commaList(AUTH_MODES, `Comma-separated auth modes: ${AUTH_MODES.join(", ")}`),
  health: commaList(
    HEALTH_STATES,
    `Comma-separated health states: ${HEALTH_STATES.join(", ")}. A connection never probed has no health and matches none`,
  ),
  healthCause: commaList(HEALTH_CAUSES, `Comma-separated health causes: ${HEALTH_CAUSES.join(", ")}`),
  updatedSince: z.iso.datetime({ offset: true }).optional().meta({ description: "Only connections updated at or after this instant (ISO 8601)" }),
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: "Page size, 1-200 (default 50)" }),
  cursor: z.string().min(1).max(500).optional().meta({ description: "`nextCursor` of the previous page" }),
});

const failingSchema = z
  .object({
    step: z.string().meta({ description: "The step that failed or waits for a person" }),
    code: z.string().nullable().meta({ description: "Its error code" }),
    message: z.string().nullable().meta({ description: "The plain-language cause shown to the admin" }),
    requestIds: z.array(z.string()).meta({ description: "Microsoft request ids to quote" }),
    at: nullableIsoDate("When the step last changed"),
  })
  .meta({ id: "FailingStep" });

const healthSchema = z
  .object({
    state: z
      .enum(HEALTH_STATES)
      .meta({ description: "healthy; degraded (a first failure, probed again soon); failing (persisted, or a definitive cause)" }),
    cause: z
      .string()
      .nullable()
      .meta({ description: `Why it is not healthy, one of ${HEALTH_CAUSES.join(", ")}; null when healthy`, example: "application_user_missing" }),
    since: isoDate("When the current state and cause began"),
    checkedAt: isoDate("The last probe"),
  })
  .meta({ id: "ConnectionHealth", description: "What the last health probes of an Active connection found, apart from its status" });

const connectionCredentialSchema = z
  .object({
    mode: z.enum(CREDENTIAL_MODES).meta({
      description:
        "connector: Act-On's own multi-tenant Act-On Connector app, consented in the customer's tenant (nothing is stored for the connection; tokens come from POST …/access-tokens); certificate: the portal holds the private key and mints tokens; secret: a client secret (only when asked)",
    }),
    expiresAt: nullableIsoDate("When the credential expires; null in connector mode (nothing of the connection's expires)"),
    rotatesAt: nullableIsoDate(
      "Certificate mode: when the portal starts replacing the certificate (30 days before it expires). Null for a client secret (nothing rotates it, its admin must reconnect) and in connector mode (nothing to rotate)",
    ),
  })
  .meta({ id: "ConnectionCredential", description: "What the connection's app registration signs in with (cloud mode)" });

export const connectionSchema = z
  .object({
    id: z.string(),
    account: z.object({ id: z.string().meta({ description: "Act-On account id" }), name: z.string() }),
    status: z.enum(CONNECTION_STATUSES),
    authMode: z.enum(AUTH_MODES),
    environment: z.object({ url: z.string().nullable(), name: z.string().nullable(), id: z.string().nullable() }),
    tenant: z.object({ id: z.string().nullable(), domain: z.string().nullable() }),
    clientId: z.string().nullable().meta({ description: "Entra application (client) id of the Act-On Integration app" }),
    securityRole: z.enum(["leastPrivilege", "systemAdministrator"]).nullable(),
    integrationUsername: z.string().nullable().meta({ description: "Legacy and on-premises modes: the integration user's name" }),
    lastVerifiedAt: nullableIsoDate("Last successful sign-in and WhoAmI as Act-On"),
    secretExpiresAt: nullableIsoDate("When the app's credential (client secret or certificate) expires"),
    credential: connectionCredentialSchema.nullable().meta({ description: "Null for password modes and before the first credential is proven" }),
    failing: failingSchema.nullable(),
    health: healthSchema.nullable().meta({ description: "Null until the connection is first probed" }),
    createdAt: isoDate("Created"),
    updatedAt: isoDate("Last change"),
  })
  .meta({ id: "Connection", description: "A Dynamics connection of an Act-On account. Never holds a secret." });
export type ConnectionResource = z.infer<typeof connectionSchema>;

export const connectionListSchema = z
  .object({
    items: z.array(connectionSchema),
    nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page" }),
  })
  .meta({ id: "ConnectionList" });

export const credentialsSchema = z
  .union([
    z
      .object({
        authMode: z.literal("cloud"),
        credentialMode: z.literal("certificate"),
        connectionId: z.string(),
        tenantId: z.string(),
        environmentUrl: z.string(),
        clientId: z.string(),
        certificateThumbprint: z.string().meta({ description: "SHA-1 thumbprint (hex) of the certificate on the app registration" }),
        certificateExpiresAt: nullableIsoDate("When the certificate expires"),
        accessTokensPath: z.string().meta({ description: "Where the connector gets short-lived Dataverse tokens (POST, Connections.Token)" }),
      })
      .meta({
        description:
          "A certificate connection hands out no credential: the private key never leaves the portal. Mint tokens at accessTokensPath instead.",
      }),
    z.object({
      authMode: z.literal("cloud"),
      credentialMode: z.literal("secret"),
      connectionId: z.string(),
      tenantId: z.string(),
      environmentUrl: z.string(),
      clientId: z.string(),
      clientSecret: z.string(),
      clientSecretExpiresAt: nullableIsoDate("When the client secret expires"),
    }),
    z.object({
      authMode: z.literal("legacy"),
      connectionId: z.string(),
      tenantId: z.string(),
      environmentUrl: z.string(),
      clientId: z.string(),
      username: z.string(),
      password: z.string(),
    }),
    z.object({ authMode: z.literal("onprem"), connectionId: z.string(), environmentUrl: z.string(), username: z.string(), password: z.string() }),
  ])
  .meta({
    id: "ConnectionCredentials",
    description:
      "What Act-On's Dynamics connector signs in with. Only for an Active connection. Never a private key: a certificate connection answers with its certificate's thumbprint and the token route.",
  });

export const accessTokenSchema = z
  .object({
    accessToken: z.string().meta({ description: "A bearer token for the environment's Web API (`<environmentUrl>/api/data/v9.2/…`)" }),
    expiresOn: isoDate("When the token expires: at least five minutes after it was handed out"),
    environmentUrl: z.string(),
    tenantId: z.string(),
  })
  .meta({ id: "ConnectionAccessToken", description: "A short-lived Dataverse access token minted with the connection's app credential." });

export const verificationSchema = z
  .object({
    connectionId: z.string(),
    runId: z.string().meta({ description: "The verification run (a one-step run that signs in as Act-On and calls WhoAmI)" }),
    status: z.literal("pending"),
    requestedAt: isoDate("When the verification was requested"),
  })
  .meta({
    id: "VerificationRequest",
    description:
      "Accepted: the portal verifies the stored credential within seconds. Read the connection for the outcome (lastVerifiedAt, or status failed with the failing step); a status change also sends connection.status_changed.",
  });

// ---------------------------------------------------------------------------------------------------------------
// Deep links

export const deepLinkRequestSchema = z
  .object({
    accountId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/, "may hold letters, digits and . _ : - only")
      .meta({ description: "Act-On account id" }),
    accountName: z.string().trim().min(1).max(200).meta({ description: "Shown to the admin" }),
    intent: z.enum(LAUNCH_INTENTS),
    userEmail: z.email().max(254).meta({ description: "The Act-On user the link is for" }),
    returnTo: z.url().max(2048).meta({ description: "Where the portal sends the admin when done; its origin must be one of ACTON_RETURN_ORIGINS" }),
  })
  .strict()
  .meta({ id: "DeepLinkRequest" });

export const deepLinkSchema = z
  .object({ url: z.string().meta({ description: "Single-use link to send the admin" }), expiresAt: isoDate("When the link stops working") })
  .meta({ id: "DeepLink" });

// ---------------------------------------------------------------------------------------------------------------
// Webhooks

export const endpointIdParamsSchema = z.object({ id: id("The webhook endpoint's id") });
export const deliveryIdParamsSchema = z.object({ id: id("The delivery's id") });

export const webhookEndpointInputSchema = z
  .object({
    url: z.url().max(2000).meta({ description: "HTTPS URL on a public address" }),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional(),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).nullable().optional().meta({ description: "Event types to receive; null = all" }),
  })
  .strict()
  .meta({ id: "WebhookEndpointInput" });
export const webhookEndpointPatchSchema = webhookEndpointInputSchema.partial().strict().meta({ id: "WebhookEndpointPatch" });

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).nullable(),
    secrets: z
      .array(z.object({ id: z.string(), createdAt: isoDate("Created"), expiresAt: nullableIsoDate("Stops signing at (rotation)") }))
      .meta({ description: "Signing secrets currently in use (never their values)" }),
    createdBy: z.string(),
    createdAt: isoDate("Created"),
    updatedAt: isoDate("Last change"),
  })
  .meta({ id: "WebhookEndpoint" });

export const webhookEndpointListSchema = z.object({ items: z.array(webhookEndpointSchema) }).meta({ id: "WebhookEndpointList" });

export const webhookEndpointCreatedSchema = z
  .object({
    endpoint: webhookEndpointSchema,
    secret: z.string().meta({ description: "The Standard Webhooks signing secret (whsec_…), shown once" }),
  })
  .meta({ id: "WebhookEndpointCreated" });

export const secretRotationRequestSchema = z
  .object({
    revokePrevious: z.boolean().default(false).meta({
      description:
        "true: every previous secret stops signing at once (a leaked secret), so deliveries from now on carry only the new secret's signature; receivers still holding the old one refuse them until they switch. false (default): the previous secret keeps signing for 24 hours.",
    }),
  })
  .meta({ id: "WebhookSecretRotationRequest" });

export const secretRotationSchema = z
  .object({
    secret: z.string().meta({ description: "The new signing secret (whsec_…), shown once" }),
    previousSecretsRevoked: z.boolean().meta({ description: "Whether the previous secrets stopped signing at once" }),
    previousSecretsExpireAt: isoDate("Until then, deliveries carry a signature with the previous secret too (the rotation's time when revoked)"),
  })
  .meta({ id: "WebhookSecretRotation" });

export const testSendSchema = z
  .object({
    delivered: z.boolean(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    webhookId: z.string(),
  })
  .meta({ id: "WebhookTestSend" });

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    endpointId: z.string(),
    connectionId: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    nextAttemptAt: nullableIsoDate("Next attempt (pending only)"),
    lastAttemptAt: nullableIsoDate("Last attempt"),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: nullableIsoDate("When the receiver accepted it"),
    createdAt: isoDate("When the event was recorded"),
  })
  .meta({ id: "WebhookDelivery" });

export const deliveryListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: "Page size, 1-200 (default 50)" }),
  cursor: z.string().min(1).max(100).optional().meta({ description: "`nextCursor` of the previous page" }),
});

export const deliveryListSchema = z
  .object({ items: z.array(deliverySchema), nextCursor: z.string().nullable() })
  .meta({ id: "WebhookDeliveryList", description: "Newest first" });
