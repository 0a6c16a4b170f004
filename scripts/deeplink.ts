/**
 * `npm run deeplink -- --account <id> [--name <name>] [--user <email>] [--intent connect|reconnect|status]
 *   [--return-to <url>] [--environment <https URL>] [--minutes <1-15>]`
 *
 * Prints one launch link signed with the configured DEEP_LINK_SECRET (the first key), exactly as Act-On's servers
 * sign it, for demos, rehearsals and support. The link works once, within its lifetime.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { printCommandError } from "../lib/cli/command-error";
import { ConfigurationError, parseEnv } from "../lib/core/env-schema";
import { LAUNCH_INTENTS, LAUNCH_LINK_MAX_LIFETIME_SECONDS, launchUrl, normaliseEnvironmentUrl, signLaunchToken } from "../lib/deep-link/launch-link";

const argsSchema = z.object({
  account: z
    .string({ error: "--account <Act-On account id> is required" })
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, "--account may hold letters, digits and . _ : - only"),
  name: z.string().trim().min(1).max(200).optional(),
  user: z.email("--user must be an e-mail address").optional(),
  intent: z.enum(LAUNCH_INTENTS, { error: `--intent must be one of ${LAUNCH_INTENTS.join(", ")}` }).default("connect"),
  "return-to": z.url("--return-to must be a URL").optional(),
  environment: z
    .string()
    .refine(
      (v) => normaliseEnvironmentUrl(v) !== undefined,
      "--environment must be an https:// environment URL, e.g. https://contoso.crm.dynamics.com",
    )
    .optional(),
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(LAUNCH_LINK_MAX_LIFETIME_SECONDS / 60)
    .default(10),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      account: { type: "string" },
      name: { type: "string" },
      user: { type: "string" },
      intent: { type: "string" },
      "return-to": { type: "string" },
      environment: { type: "string" },
      minutes: { type: "string" },
    },
    strict: true,
  });
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    console.error(args.error.issues[0].message);
    return 2;
  }
  let env;
  try {
    env = parseEnv(process.env);
  } catch (e) {
    console.error(e instanceof ConfigurationError ? e.message : String(e));
    return 2;
  }
  if (!env.DEEP_LINK_SECRET) {
    console.error("DEEP_LINK_SECRET is not set (npm run deeplink uses the demo's .data/local-secrets.json when it is absent).");
    return 2;
  }
  const returnTo = args.data["return-to"] ?? (env.ACTON_RETURN_ORIGINS[0] ? `${env.ACTON_RETURN_ORIGINS[0]}/` : undefined);
  if (!returnTo) {
    console.error("Pass --return-to <url>, or set ACTON_RETURN_ORIGINS (the link's return URL must have one of its origins).");
    return 2;
  }
  if (!env.ACTON_RETURN_ORIGINS.includes(new URL(returnTo).origin)) {
    console.error(`warning: ${new URL(returnTo).origin} is not in ACTON_RETURN_ORIGINS; the portal will refuse this link.`);
  }
  const token = await signLaunchToken({
    keys: env.DEEP_LINK_SECRET,
    audience: env.PORTAL_BASE_URL,
    actonAccountId: args.data.account,
    accountName: args.data.name ?? `Act-On account ${args.data.account}`,
    userEmail: args.data.user ?? "admin@contoso.onmicrosoft.com",
    intent: args.data.intent,
    returnTo,
    environmentUrl: args.data.environment,
    lifetimeSeconds: args.data.minutes * 60,
  });
  console.log(launchUrl(env.PORTAL_BASE_URL, token));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    printCommandError(e);
    process.exit(1);
  },
);
