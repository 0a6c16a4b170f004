/**
 * What the portal asks Microsoft for at sign-in, one plain line each, shown before the redirect. Pure.
 * A test checks every permission the sign-in requests has its line here.
 */
import { ADMIN_GRAPH_PERMISSIONS } from "../microsoft/constants";

type GraphPermission = (typeof ADMIN_GRAPH_PERMISSIONS)[number];

export const GRAPH_PERMISSION_LINES: Record<GraphPermission, string> = {
  "User.Read": "Reads your name and e-mail address, so each step records who approved it.",
  "Application.ReadWrite.All": "Lets the portal create the “Act-On Integration” app in your directory and add its client secret.",
  "DelegatedPermissionGrant.ReadWrite.All": "Lets the portal grant that app admin consent to Dynamics 365 for your organization.",
  "Directory.Read.All": "Reads your organization's directory, to find your tenant and check nothing is created twice.",
  "Policy.Read.All": "Reads your tenant's sign-in policies (such as security defaults), so problems are found before anything is written.",
  "RoleManagement.Read.Directory": "Reads which administrator roles you hold, so the portal can tell you if one is missing.",
  "UserAuthenticationMethod.Read.All":
    "Reads whether multi-factor authentication is on for a user (needed only by the older user-and-password mode).",
};

export const DYNAMICS_PERMISSION_LINE =
  "Lets the portal list your Dynamics 365 environments and create the Act-On application user in the one you choose, acting as you.";

export function signInPermissionLines(): { permission: string; line: string }[] {
  return [
    ...ADMIN_GRAPH_PERMISSIONS.map((p) => ({ permission: `Microsoft Graph ${p}`, line: GRAPH_PERMISSION_LINES[p] })),
    { permission: "Dynamics CRM user_impersonation", line: DYNAMICS_PERMISSION_LINE },
  ];
}
