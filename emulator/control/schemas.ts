/** Inputs of the control API, validated with zod before anything changes (bad input ⇒ 400, state untouched). */
import { z } from "zod";

export const faultInputSchema = z
  .object({
    service: z.enum(["identity", "graph", "discovery", "dataverse", "*"]),
    method: z.string().min(1).default("*"),
    /** Prefix of the request path (full or inside the service), or a regular expression starting with `^`. */
    path: z.string().default(""),
    kind: z.enum(["latency", "throttle", "unavailable", "redirect", "nextLinkOrigin"]),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    redirectStatus: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).optional(),
    location: z.url().optional(),
    origin: z.url().optional(),
    remaining: z.number().int().min(1).nullable().default(null),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.kind === "latency" && f.latencyMs === undefined)
      ctx.addIssue({ code: "custom", path: ["latencyMs"], message: "latencyMs is required for a latency fault" });
    if (f.kind === "redirect" && f.location === undefined)
      ctx.addIssue({ code: "custom", path: ["location"], message: "location is required for a redirect fault" });
    if (f.kind === "nextLinkOrigin" && f.origin === undefined)
      ctx.addIssue({ code: "custom", path: ["origin"], message: "origin is required for a nextLinkOrigin fault" });
    if (f.path.startsWith("^")) {
      try {
        new RegExp(f.path);
      } catch {
        ctx.addIssue({ code: "custom", path: ["path"], message: "path starts with ^ but is not a valid regular expression" });
      }
    }
  });

/** Rehearsal speed of the lags: from a hundredth of Microsoft's pace's duration to ten times it. */
const lagScaleSchema = z.number().min(0.01).max(10);

/** Small limits let a test reach them; Microsoft's are the defaults. */
const serviceProtectionSchema = z
  .object({
    requests: z.number().int().min(1).max(1_000_000).optional(),
    executionMs: z.number().int().min(1).max(100_000_000).optional(),
    concurrent: z.number().int().min(1).max(10_000).optional(),
    windowSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .strict();

export const settingsPatchSchema = z
  .object({
    replicationLagMs: z.number().int().min(0).max(600_000).optional(),
    baseLatencyMs: z.number().int().min(0).max(60_000).optional(),
    applicationUserAdmissionLagMs: z.number().int().min(0).max(600_000).optional(),
    unconfirmedWording: z.enum(["descriptive", "neutral"]).optional(),
    lagScale: lagScaleSchema.optional(),
    serviceProtection: serviceProtectionSchema.optional(),
  })
  .strict();

/** `POST /__emulator/clock`: how far to move the sandbox's clock forward (at most a century at a time: the scenarios' own secrets last until 2099). */
export const clockAdvanceSchema = z
  .object({
    advanceByMs: z
      .number()
      .int()
      .min(0)
      .max(100 * 366 * 86_400_000),
  })
  .strict();

/** `POST /__emulator/environments/{urlName}/self-elevate`: the admin's UPN or object id. */
export const selfElevateInputSchema = z.object({ user: z.string().min(1) }).strict();

/** `POST /__emulator/tokens/sign`: any JSON claims (e.g. an `exp` in the past). */
export const signTokenInputSchema = z.object({ claims: z.record(z.string(), z.unknown()) }).strict();

/**
 * A full state for `reset`. Collections are checked for presence and kind; their members are trusted (tests build
 * them from `buildDefaultScenario()`). Users may carry `password` and secrets `secretText` in clear text instead of
 * digests: the sandbox hashes them on the way in.
 */
const rows = z.array(z.record(z.string(), z.unknown()));
const stateInputSchema = z
  .object({
    scenario: z.string().default("custom"),
    settings: z
      .object({
        replicationLagMs: z.number().int().min(0),
        baseLatencyMs: z.number().int().min(0),
        applicationUserAdmissionLagMs: z.number().int().min(0).optional(),
        unconfirmedWording: z.enum(["descriptive", "neutral"]).optional(),
        lagScale: lagScaleSchema.optional(),
        serviceProtection: serviceProtectionSchema.optional(),
      })
      .default({ replicationLagMs: 0, baseLatencyMs: 0 }),
    tenants: rows,
    users: rows,
    applications: rows,
    servicePrincipals: rows,
    oauth2PermissionGrants: rows,
    appRoleAssignments: rows,
    environments: rows,
    faults: rows.default([]),
  })
  .passthrough();

export const resetInputSchema = z.union([z.object({ scenario: z.string().min(1) }).strict(), z.object({ state: stateInputSchema }).strict()]);

/** The first issue in plain words, e.g. `kind: Invalid option: expected one of "latency"|"throttle"|"unavailable"`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

/** `Add-AdfsClient -ClientId … -Name … -RedirectUri …` as the AD FS administrator runs it. */
export const adfsClientInputSchema = z
  .object({
    clientId: z.string().trim().min(1).max(200),
    name: z.string().trim().min(1).max(200),
    redirectUri: z.string().url(),
  })
  .strict();
