/**
 * What the portal asks Microsoft for when the admin signs in, each in one plain line, shown before the redirect.
 * Pure; a test checks every permission the sign-in requests has its line.
 */
import { ADMIN_GRAPH_PERMISSIONS, type GraphPermission } from "../microsoft/graph-permissions";

export type PermissionLine = { api: "Microsoft Graph" | "Dynamics 365"; permission: string; line: string };

const GRAPH_LINES: Record<GraphPermission, string> = {
  "User.Read": "Signs you in and reads your name and e-mail address.",
  // With ACTON_CONNECTOR_APP_ID configured, the portal adds Act-On's connector app (its service principal) instead.
  "Application.ReadWrite.All":
    "Lets the portal create the “Act-On Integration” app in your directory with its certificate or secret, or add Act-On's own connector app.",
  "DelegatedPermissionGrant.ReadWrite.All": "Lets the portal approve that app's Dynamics 365 access for your organization (admin consent).",
  "Policy.Read.All":
    "Reads your tenant's app, sign-in and Conditional Access policies and an integration user's MFA, to warn you if one would block the connection.",
  "RoleManagement.Read.Directory": "Checks that your account holds a role that can register apps and grant consent (such as Global Administrator).",
};

/** Every permission of the sign-in, Graph's by name and Dynamics' `user_impersonation`, with its plain line. */
export const SIGN_IN_PERMISSION_LINES: PermissionLine[] = [
  ...ADMIN_GRAPH_PERMISSIONS.map((permission) => ({ api: "Microsoft Graph" as const, permission, line: GRAPH_LINES[permission] })),
  {
    api: "Dynamics 365",
    permission: "user_impersonation",
    line: "Acts as you in Dynamics 365 to list your environments, create the application user and give it its security role.",
  },
];
