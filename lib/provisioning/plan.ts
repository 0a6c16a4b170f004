import "server-only";
import { DYNAMICS_USER_IMPERSONATION } from "../microsoft/constants";
import { findApplicationUser, findPrivilegesByName, findRootBusinessUnit, listRolePrivileges } from "../microsoft/dataverse";
import { readWhoChanged } from "./who-changed-read";
import { listEnvironments } from "../microsoft/discovery";
import { DATAVERSE_ROLE_TEMPLATES } from "../microsoft/constants";
import {
  findDataverseServicePrincipal,
  findPermissionGrant,
  findServicePrincipal,
  readPasswordPolicy,
  getSignedInAdmin,
  type ServicePrincipal,
} from "../microsoft/graph";
import { LEAST_PRIVILEGE_ROLE_NAME, LEAST_PRIVILEGE_ROLE_PRIVILEGES, missingSalesNote } from "./least-privilege-role";
import { STEP_LABELS, type StepName } from "../domain/run/machine";
import { findConnectionApp, findTaggedApps, flowsMatch, unrecordedTaggedApps } from "./steps/app-registration";
import { findKeepableSecret } from "./steps/client-secret";
import { findKeepableCertificate } from "./steps/certificate";
import { CERTIFICATE_LIFETIME_DAYS, credentialModeLabel } from "../domain/secret/credential-mode";
import { findTargetRole, leastPrivilegeDelta } from "./steps/application-user";
import { chooseEnvironment, environmentFindings } from "./steps/environment";
import { consentCapableRoleNames, findProblems, findWarnings, gatherPreconditionFacts } from "./steps/preconditions";
import { runBasisOf } from "./steps/plan-findings";
import type { Plan, PlanAction } from "../domain/run/plan";
import { runCredentialMode, type StepContext } from "./steps/step-context";
import { connectorOf } from "./steps/connector";

/**
 * The dry run: before its first write, the engine reads what exists and lists, step by step, what it will create,
 * change or reuse, in the tenant and in the environment. The admin approves this plan; unmet preconditions are
 * blockers that must be fixed first.
 */

/** Reads (never writes) everything the plan needs, concurrently where independent. @throws MicrosoftError */
export async function computePlan(ctx: StepContext, steps: StepName[]): Promise<Plan> {
  const plan: Plan = { steps: [], blockers: [], environment: null, notes: [], computedAt: ctx.now().toISOString() };
  const add = (step: StepName, ...actions: PlanAction[]) => {
    if (!steps.includes(step)) return;
    const existing = plan.steps.find((s) => s.step === step);
    if (existing) existing.actions.push(...actions);
    else plan.steps.push({ step, label: STEP_LABELS[step], actions });
  };

  if (ctx.run.kind === "disconnect") return planDisconnect(ctx, steps, plan, add);

  if (ctx.options.mode === "onprem") {
    const url = ctx.options.environment ?? ctx.connection.environmentUrl;
    plan.environment = url ? { url, name: null } : null;
    add("environment", {
      verb: "check",
      what: `The server address ${url ?? "(missing)"} is an https:// address whose host resolves only to public IP addresses`,
    });
    add("verify", {
      verb: "check",
      what: `Ask the server how it signs in (Windows authentication or AD FS), sign in as ${ctx.connection.integrationUsername ?? "(missing user)"} that way, and call WhoAmI on the first Web API version it answers (9.2, 9.1, 9.0, 8.2)`,
    });
    return plan;
  }

  // Round 1, all independent: who and where the admin is, their environments, and what this connection already has.
  // The Act-On Connector is Act-On's own app: the connection has no app registration of its own to look for.
  const connector = ctx.options.mode === "cloud" && runCredentialMode(ctx) === "connector" ? connectorOf(ctx) : null;
  if (ctx.options.mode === "cloud" && runCredentialMode(ctx) === "connector" && !connector) {
    plan.blockers.push({
      code: "connector_not_configured",
      message: "The Act-On Connector is not configured on this portal. Connect with a certificate instead, or contact Act-On support.",
    });
    return plan;
  }
  const [admin, environments, app, dynamicsSp, tagged] = await Promise.all([
    getSignedInAdmin(ctx.graph()),
    listEnvironments(ctx.discovery()),
    connector ? Promise.resolve(null) : findConnectionApp(ctx),
    findDataverseServicePrincipal(ctx.graph()),
    connector ? Promise.resolve([]) : findTaggedApps(ctx),
  ]);
  // Apps carrying this connection's tag that the portal did not record for it: never adopted (the tag is public).
  const planted = unrecordedTaggedApps(tagged, app);
  const choice = chooseEnvironment(
    ctx.options.environment ?? ctx.connection.environmentUrl ?? undefined,
    environments,
    ctx.config.allowedDynamicsHosts,
  );
  if (choice.kind !== "resolved") {
    plan.blockers.push({
      code: choice.kind === "invalid" ? "environment_not_allowed" : "environment_required",
      message:
        choice.kind === "invalid"
          ? choice.message
          : choice.candidates.length
            ? `Choose the environment to connect: ${choice.candidates.map((e) => `${e.friendlyName} (${e.url})`).join(", ")}.`
            : "Microsoft lists no Dynamics 365 environment for your account. Paste the environment's URL.",
    });
    return plan;
  }
  const envUrl = choice.url;
  plan.environment = { url: envUrl, name: choice.name };
  add("environment", {
    verb: "check",
    what: `Connect ${choice.name ?? envUrl} (${envUrl}) in tenant ${admin.tenantDomain ?? admin.tenantId}, signed in as ${admin.userPrincipalName}`,
  });

  // Round 2, all independent again, now that the environment is known.
  const dv = ctx.dataverse(envUrl);
  const legacy = ctx.options.mode === "legacy";
  const credentialMode = legacy ? null : runCredentialMode(ctx);
  const settled = await Promise.allSettled([
    steps.includes("preconditions") ? gatherPreconditionFacts(ctx, envUrl) : Promise.resolve(null),
    connector || app ? findServicePrincipal(ctx.graph(), { appId: connector?.appId ?? app!.appId }) : Promise.resolve(null),
    connector || app ? findApplicationUser(dv, { appId: connector?.appId ?? app!.appId }) : Promise.resolve(null),
    findRootBusinessUnit(dv).then(async (rootBu) => {
      const role = await findTargetRole(dv, ctx.options.role, rootBu.businessUnitId);
      const held = role && ctx.options.role === "leastPrivilege" ? await listRolePrivileges(dv, { roleId: role.roleId }) : null;
      return { rootBu, role, held };
    }),
    ctx.options.role === "leastPrivilege"
      ? findPrivilegesByName(dv, { names: LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => p.name) })
      : Promise.resolve(null),
    steps.includes("clientSecret") && credentialMode === "secret"
      ? readPasswordPolicy(ctx.graph(), { objectId: app?.objectId })
      : Promise.resolve(null),
    // Never rejects: a repair whose health cause the audit history can explain reads it; nothing else does.
    readWhoChanged(ctx, dv),
  ]);
  const facts = settled[0].status === "fulfilled" ? settled[0].value : null;
  if (steps.includes("preconditions")) {
    if (!facts) throw (settled[0] as PromiseRejectedResult).reason;
    const problems = findProblems(facts, legacy ? "legacy" : "cloud");
    plan.notes.push(...findWarnings(facts, legacy ? "legacy" : "cloud"));
    add("preconditions", {
      verb: "check",
      what: problems.length
        ? `${problems.length} problem(s) to fix before connecting`
        : "You can register apps, grant consent, and you are a System Administrator of the environment",
    });
    if (problems.length) {
      // The other reads may have failed for the very permissions that are missing: report what to fix instead.
      plan.blockers.push(...problems.map((p) => ({ code: p.code, reason: p.reason, message: p.message, ...(p.need ? { need: p.need } : {}) })));
      return plan;
    }
  }
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (rejected) throw rejected.reason;
  const value = <T>(r: PromiseSettledResult<T>) => (r as PromiseFulfilledResult<T>).value;
  const sp = value(settled[1]);
  const appUser = value(settled[2]);
  const { rootBu, role, held } = value(settled[3]);
  const catalog = value(settled[4]);
  // What the steps would read again right after the approval, as they use it: the drive that follows takes it while
  // it is fresh and nothing it depends on has changed (plan-findings.ts).
  if (ctx.session?.homeAccountId) {
    plan.findings = {
      readAt: plan.computedAt,
      readAs: ctx.session.homeAccountId,
      basis: runBasisOf(ctx),
      environment: environmentFindings(choice, admin),
      ...(facts ? { preconditions: { directoryRoles: consentCapableRoleNames(facts) } } : {}),
      ...(dynamicsSp ? { dynamicsPrincipalId: dynamicsSp.objectId } : {}),
      dataverse: { environmentUrl: envUrl, rootBusinessUnit: rootBu, ...(catalog ? { privileges: catalog } : {}) },
    };
  }
  const passwordPolicy = value(settled[5]);
  const whoChanged = value(settled[6]);
  if (whoChanged) {
    const roleNames = Object.fromEntries([...(appUser?.roles ?? []), ...(role ? [role] : [])].map((r) => [r.roleId.toLowerCase(), r.name]));
    const lines = whoChanged.lines(roleNames);
    if (lines.length) plan.whoChanged = lines;
  }
  const lifetimeLimitDays = passwordPolicy?.lifetimeLimitDays ?? null;

  let secretKept = false;
  if (connector) {
    await planConnectorConsent(ctx, connector.appId, sp, dynamicsSp, plan, add);
  } else {
    const redirectUri = ctx.options.consent === "redirect" ? (ctx.options.consentRedirectUri ?? null) : null;
    for (const p of planted) {
      plan.notes.push(
        `An app registration “${p.displayName}” (client id ${p.appId}) carries this connection's tag, but the portal did not create it for this connection. It will not be used, consented or given access to Dynamics 365. If nobody in your organization registered it on purpose, delete it in Microsoft Entra admin center › App registrations.`,
      );
    }
    if (app) {
      add("appRegistration", { verb: "reuse", what: `App registration “${app.displayName}” (client id ${app.appId})` });
      if (!flowsMatch(app, legacy, redirectUri)) {
        add(
          "appRegistration",
          legacy
            ? {
                verb: "update",
                what: "Turn on public client flows and ID tokens (legacy username and password mode); implicit access tokens stay off",
              }
            : { verb: "update", what: "Turn off public client flows and implicit tokens (app-only access does not need them)" },
        );
        if (redirectUri && !app.webRedirectUris.includes(redirectUri))
          add("appRegistration", {
            verb: "update",
            what: `Register ${redirectUri} as a web redirect URI, where Microsoft's consent page returns you`,
          });
      }
    } else {
      add("appRegistration", {
        verb: "create",
        what: "App registration “Act-On Integration”, accounts in this organizational directory only",
        detail: `API permission: Dynamics CRM ${DYNAMICS_USER_IMPERSONATION} (delegated)${legacy ? "; public client flows and ID tokens on (legacy mode)" : ""}${redirectUri ? `; web redirect URI ${redirectUri} (Microsoft's consent page returns there)` : ""}`,
      });
      if (planted.length)
        add("appRegistration", {
          verb: "check",
          what: `${planted.length} app registration(s) tagged for this connection but not created by the portal are ignored`,
        });
    }
    add(
      "appRegistration",
      sp
        ? { verb: "reuse", what: "The app's service principal (enterprise application)" }
        : { verb: "create", what: "The app's service principal (enterprise application)" },
    );

    const grant = sp && dynamicsSp ? await findPermissionGrant(ctx.graph(), { clientSpId: sp.objectId, resourceSpId: dynamicsSp.objectId }) : null;
    if (!dynamicsSp)
      plan.blockers.push({ code: "not_found", message: "Dynamics 365 is not set up in this Microsoft tenant (its service principal is missing)." });
    if (grant?.scopes.includes(DYNAMICS_USER_IMPERSONATION))
      add("adminConsent", { verb: "reuse", what: "Admin consent for Dynamics CRM user_impersonation, already granted" });
    else if (ctx.options.consent === "redirect")
      add("adminConsent", { verb: "approve", what: "You approve Dynamics CRM user_impersonation for your organization on Microsoft's consent page" });
    else add("adminConsent", { verb: "create", what: "Admin consent for your organization: Dynamics CRM user_impersonation (AllPrincipals)" });
    if (legacy)
      add("adminConsent", {
        verb: "create",
        what: "Admin consent for the integration user's password sign-in: Microsoft Graph User.Read, openid, profile, offline_access",
      });

    if (credentialMode) plan.notes.push(`How the app signs in: ${credentialModeLabel(credentialMode)}.`);
    if (steps.includes("clientSecret") && credentialMode === "certificate") {
      secretKept = await planCertificate(ctx, app, add);
    } else if (steps.includes("clientSecret") && passwordPolicy?.additionBlocked) {
      // Read up front so the admin is steered before anything is created, instead of failing at the write.
      plan.blockers.push({
        code: "client_secrets_blocked",
        message:
          "Your organization's app management policy does not allow client secrets on app registrations, so this connection cannot use one. Connect with a certificate instead (the recommended default): the app then holds a certificate and no secret.",
      });
    } else if (steps.includes("clientSecret")) {
      const capped = lifetimeLimitDays !== null && lifetimeLimitDays < ctx.config.secretLifetimeDays;
      const days = capped ? Math.max(1, Math.floor(lifetimeLimitDays) - 1) : ctx.config.secretLifetimeDays;
      const expires = new Date(ctx.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
      if (capped)
        plan.notes.push(
          `Your organization's app management policy allows client secrets for at most ${Math.floor(lifetimeLimitDays)} days, so the secret expires ${expires}; the portal warns before then.`,
        );
      const kept = await findKeepableSecret(ctx, app);
      secretKept = !!kept;
      const stored = await ctx.db.secret.findMany({
        where: { connectionId: ctx.connection.id, kind: "clientSecret", status: { in: ["active", "pending"] } },
        select: { hint: true, microsoftKeyId: true },
      });
      // A stored secret whose key Microsoft no longer has (someone removed it) is only forgotten here, not removed there.
      const atMicrosoft = (s: { microsoftKeyId: string | null }) => !app || app.secrets.some((k) => k.keyId === s.microsoftKeyId);
      const current = stored.filter(atMicrosoft);
      const gone = stored.filter((s) => !atMicrosoft(s));
      if (kept)
        add("clientSecret", {
          verb: "reuse",
          what: `The client secret ${kept.hint ?? "?"}…${kept.expiresAt ? `, valid until ${kept.expiresAt.toISOString().slice(0, 10)}` : ""}: Microsoft still has it`,
        });
      else add("clientSecret", { verb: "create", what: `A client secret valid until ${expires}, stored encrypted; Act-On never shows it` });
      if (!kept && current.length)
        add("clientSecret", {
          verb: "remove",
          what: `${current.length} older secret(s) (${current.map((c) => `${c.hint ?? "?"}…`).join(", ")}), only after the new one is verified`,
        });
      if (!kept && gone.length)
        add("clientSecret", {
          verb: "remove",
          what: `Forget the stored secret(s) ${gone.map((c) => `${c.hint ?? "?"}…`).join(", ")}: Microsoft no longer has them (removed in Microsoft Entra)`,
        });
    }
  }

  add(
    "applicationUser",
    appUser
      ? { verb: "reuse", what: `Application user ${appUser.fullName ?? appUser.systemUserId}` }
      : {
          verb: "create",
          what: `Application user for ${connector ? `the Act-On Connector (client id ${connector.appId})` : "the app"} in business unit “${rootBu.name}” (non-interactive, no licence needed)`,
        },
  );
  if (appUser?.isDisabled) add("applicationUser", { verb: "update", what: "Enable the application user again (a disconnect disabled it)" });
  if (ctx.options.role === "systemAdministrator") {
    add("applicationUser", {
      verb: "reuse",
      what: "Security role System Administrator (as Act-On's article describes; it grants far more than Act-On needs)",
    });
  } else {
    const delta = leastPrivilegeDelta({ catalog: catalog ?? [], held: held ?? [] });
    const featureOf = (name: string) => LEAST_PRIVILEGE_ROLE_PRIVILEGES.find((p) => p.name.toLowerCase() === name.toLowerCase())?.feature ?? "";
    if (role) {
      if (delta.toAdd.length)
        add("applicationUser", {
          verb: "update",
          what: `Security role “${LEAST_PRIVILEGE_ROLE_NAME}”: add ${delta.toAdd.length} privilege(s)`,
          privileges: delta.toAdd.map((p) => ({ name: p.name, feature: featureOf(p.name) })),
        });
      if (delta.toRemove.length)
        add("applicationUser", {
          verb: "remove",
          what: `Security role “${LEAST_PRIVILEGE_ROLE_NAME}”: remove ${delta.toRemove.length} privilege(s) Act-On does not need (someone added them to the role)`,
          privileges: delta.toRemove.map((p) => ({ name: p.name, feature: "not used by Act-On" })),
        });
      if (!delta.toAdd.length && !delta.toRemove.length)
        add("applicationUser", { verb: "reuse", what: `Security role “${LEAST_PRIVILEGE_ROLE_NAME}” (recommended: only what Act-On needs)` });
    } else {
      const available = LEAST_PRIVILEGE_ROLE_PRIVILEGES.filter((p) => !delta.unavailable.includes(p));
      add("applicationUser", {
        verb: "create",
        what: `Security role “${LEAST_PRIVILEGE_ROLE_NAME}” (recommended) with ${available.length} privileges, organization-wide`,
        privileges: available.map(({ name, feature }) => ({ name, feature })),
      });
    }
    if (delta.unavailable.length) {
      plan.notes.push(
        `${missingSalesNote(
          delta.unavailable.map((p) => p.name),
          delta.unavailable,
        )} You can continue.`,
      );
    }
    const sysAdmin = appUser?.roles.filter((r) => r.templateId === DATAVERSE_ROLE_TEMPLATES.systemAdministrator) ?? [];
    if (sysAdmin.length)
      add("applicationUser", {
        verb: "remove",
        what: "System Administrator from the application user (least privilege: it keeps only the “Act-On Integration” role)",
      });
  }
  if (!appUser || !role || !appUser.roles.some((r) => r.roleId === role.roleId))
    add("applicationUser", { verb: "create", what: "Give the application user that security role" });

  add(
    "verify",
    legacy
      ? {
          verb: "check",
          what: `Sign in as ${ctx.connection.integrationUsername ?? "the integration user"} with the app and call WhoAmI in the environment`,
        }
      : connector
        ? {
            verb: "check",
            what: "Sign in as the Act-On Connector in your tenant (with Act-On's certificate, which never leaves Act-On) and call WhoAmI in the environment; the connection then becomes Active",
          }
        : {
            verb: "check",
            what: `Sign in as the app with ${credentialMode === "certificate" ? (secretKept ? "its certificate" : "the new certificate") : secretKept ? "its client secret" : "the new secret"} and call WhoAmI in the environment; the connection then becomes Active`,
          },
  );
  return plan;
}

/**
 * Connector mode's consent, in words the admin approves: what Act-On's connector is granted in their tenant, and that
 * nothing is created there that expires or needs rotating.
 */
async function planConnectorConsent(
  ctx: StepContext,
  appId: string,
  sp: ServicePrincipal | null,
  dynamicsSp: ServicePrincipal | null,
  plan: Plan,
  add: (step: StepName, ...a: PlanAction[]) => void,
): Promise<void> {
  const grant = sp && dynamicsSp ? await findPermissionGrant(ctx.graph(), { clientSpId: sp.objectId, resourceSpId: dynamicsSp.objectId }) : null;
  if (!dynamicsSp)
    plan.blockers.push({ code: "not_found", message: "Dynamics 365 is not set up in this Microsoft tenant (its service principal is missing)." });
  if (sp && grant?.scopes.includes(DYNAMICS_USER_IMPERSONATION)) {
    add("adminConsent", { verb: "reuse", what: `The Act-On Connector (client id ${appId}) is already approved for your organization` });
  } else {
    add("adminConsent", {
      verb: ctx.options.consent === "redirect" ? "approve" : "create",
      what: `${ctx.options.consent === "redirect" ? "You approve" : "Approve"} the Act-On Connector, Act-On's own app (client id ${appId}), for your organization: ${sp ? "" : "its enterprise application is added to your tenant, and "}it is granted Dynamics CRM ${DYNAMICS_USER_IMPERSONATION} (delegated, for all users)`,
      detail:
        "Act-On's servers sign in as this app and reach Dynamics 365 only as the application user below, with its security role. No app registration is created in your tenant.",
    });
  }
  plan.notes.push(`How Act-On signs in: ${credentialModeLabel("connector")}.`);
  plan.notes.push(
    "Nothing needs rotating: no app registration, client secret or certificate is created in your tenant. The Act-On Connector proves itself with a certificate that Act-On holds and renews in its own tenant.",
  );
}

/**
 * Disconnecting a connector connection: its application user is always disabled (Act-On's certificate cannot be
 * revoked for one customer, so that is what ends Act-On's access). The connector's enterprise application is Act-On's
 * app in the customer's tenant; the admin removes it here if their sign-in may, or in Microsoft Entra.
 */
function planConnectorDisconnect(ctx: StepContext, steps: StepName[], plan: Plan, add: (step: StepName, ...a: PlanAction[]) => void): Plan {
  const where = "Microsoft Entra admin center › Enterprise applications › Act-On Connector › Properties › Delete";
  if (steps.includes("deleteAppRegistration")) {
    add("deleteAppRegistration", {
      verb: "delete",
      what: `The Act-On Connector's enterprise application (client id ${ctx.connection.clientId ?? "(none)"}) and its consent, from your tenant only`,
      detail: `This needs an Application Administrator (or Cloud Application Administrator) sign-in; without one, remove it in ${where}.`,
    });
    plan.steps = plan.steps.map((s) =>
      s.step === "deleteAppRegistration" ? { ...s, label: "Remove the Act-On Connector from your organization" } : s,
    );
  } else {
    plan.notes.push(
      `The Act-On Connector stays approved in your organization, without access to Dynamics 365. To remove it, choose it here or open ${where}.`,
    );
  }
  return plan;
}

/** The credential step in certificate mode: keep the live certificate (a repair) or add a new one; older credentials go after verify. */
async function planCertificate(
  ctx: StepContext,
  app: Awaited<ReturnType<typeof findConnectionApp>>,
  add: (step: StepName, ...a: PlanAction[]) => void,
): Promise<boolean> {
  const kept = await findKeepableCertificate(ctx, app);
  const expires = new Date(ctx.now().getTime() + CERTIFICATE_LIFETIME_DAYS * 86_400_000).toISOString().slice(0, 10);
  if (kept)
    add("clientSecret", {
      verb: "reuse",
      what: `The certificate ${kept.hint ?? "?"}…${kept.expiresAt ? `, valid until ${kept.expiresAt.toISOString().slice(0, 10)}` : ""}: Microsoft still has it`,
    });
  else
    add("clientSecret", {
      verb: "create",
      what: `A certificate valid until ${expires}, uploaded to the app; its private key is made and stored encrypted here and never leaves the portal. No client secret is added`,
    });
  if (!kept) {
    const older = await ctx.db.secret.findMany({
      where: { connectionId: ctx.connection.id, kind: { in: ["clientSecret", "certificateKey"] }, status: { in: ["active", "pending"] } },
      select: { kind: true, hint: true },
    });
    if (older.length)
      add("clientSecret", {
        verb: "remove",
        what: `${older.length} older credential(s) (${older.map((c) => `${c.kind === "clientSecret" ? "client secret" : "certificate"} ${c.hint ?? "?"}…`).join(", ")}), only after the new certificate is verified`,
      });
  }
  return !!kept;
}

async function planDisconnect(ctx: StepContext, steps: StepName[], plan: Plan, add: (step: StepName, ...a: PlanAction[]) => void): Promise<Plan> {
  const secrets = await ctx.db.secret.findMany({
    where: { connectionId: ctx.connection.id, kind: { in: ["clientSecret", "password", "certificateKey"] }, status: { in: ["active", "pending"] } },
  });
  const clientSecrets = secrets.filter((s) => s.kind === "clientSecret");
  const certificates = secrets.filter((s) => s.kind === "certificateKey");
  if (certificates.length)
    add("revokeSecrets", {
      verb: "remove",
      what: `${certificates.length} certificate(s) at Microsoft (${certificates.map((s) => `${s.hint ?? "?"}…`).join(", ")}) and their private keys here`,
    });
  add("revokeSecrets", {
    verb: "remove",
    what: clientSecrets.length
      ? `${clientSecrets.length} client secret(s) at Microsoft (${clientSecrets.map((s) => `${s.hint ?? "?"}…`).join(", ")})`
      : "No client secret at Microsoft",
  });
  if (secrets.some((s) => s.kind === "password")) add("revokeSecrets", { verb: "remove", what: "The stored integration user password" });
  add("removeApplicationUser", {
    verb: "disable",
    what: `Application user ${ctx.connection.applicationUserId ?? "(none)"} in ${ctx.connection.environmentUrl ?? "the environment"}`,
  });
  if (ctx.options.credential === "connector") return planConnectorDisconnect(ctx, steps, plan, add);
  add("deleteAppRegistration", {
    verb: "delete",
    what: `App registration ${ctx.connection.clientId ?? "(none)"} (Microsoft keeps it restorable for 30 days)`,
  });
  if (!steps.includes("removeApplicationUser") && ctx.connection.applicationUserId) {
    plan.notes.push(
      "The application user stays in Dynamics 365 (without a secret the app cannot sign in); choose to disable it here, or do it in Power Platform admin center.",
    );
  }
  if (!steps.includes("deleteAppRegistration") && ctx.connection.clientId) {
    plan.notes.push("The “Act-On Integration” app registration stays in Microsoft Entra; choose to delete it here, or delete it there.");
  }
  return plan;
}
