/**
 * The app roles the portal's app registration defines in Act-On's tenant (the `roles` claim of its access tokens).
 * Pure, so the console's client code can import the names.
 */
const APP_ROLES = [
  "Support.Read",
  "Support.Admin",
  "Connections.Read",
  "Connections.Credentials.Read",
  "Connections.Token",
  "Connections.Links.Write",
] as const;
export type AppRole = (typeof APP_ROLES)[number];

/**
 * Roles Entra assigns to people (delegated tokens) and roles it assigns to Act-On's services (app-only tokens).
 * Minting a deep link is a write (the link opens a portal session that may change the customer's connection), so it
 * has its own role rather than riding on Connections.Read: a read-only service cannot mint write-capable sessions.
 * Connections.Token mints short-lived Dataverse tokens, so a connector with it needs no stored credential at all.
 */
export const USER_ROLES: readonly AppRole[] = ["Support.Read", "Support.Admin"];
export const SERVICE_ROLES: readonly AppRole[] = ["Connections.Read", "Connections.Credentials.Read", "Connections.Token", "Connections.Links.Write"];

export function isAppRole(value: unknown): value is AppRole {
  return typeof value === "string" && (APP_ROLES as readonly string[]).includes(value);
}

/** Who called the API, as the verified token says. `objectId` is the user's or the service principal's object id. */
export type ApiCaller = {
  kind: "user" | "service";
  objectId: string;
  tenantId: string;
  name: string | null;
  roles: AppRole[];
};

/** The audit actor for an API caller: `{ type: "support" | "acton", id: "<tid>:<oid>" }`. */
export function apiCallerActor(caller: ApiCaller): { type: "support" | "acton"; id: string } {
  return { type: caller.kind === "user" ? "support" : "acton", id: `${caller.tenantId}:${caller.objectId}` };
}
