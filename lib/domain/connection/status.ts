/**
 * A connection's status: the one vocabulary (the database enum, the API, the outcome token, the support console and
 * the admin's status page all use this list) and its labels. Pure, so client components can import it.
 */

export const CONNECTION_STATUSES = ["draft", "provisioning", "actionRequired", "active", "failed", "disconnected", "disconnecting"] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** Support staff's words (console filters and badges). */
export const CONNECTION_STATUS_LABELS: Record<ConnectionStatus, string> = {
  draft: "Draft",
  provisioning: "Provisioning",
  actionRequired: "Action required",
  active: "Active",
  failed: "Failed",
  disconnected: "Disconnected",
  disconnecting: "Disconnecting",
};

/** The customer's admin's words (the connection's status page). */
const CONNECTION_STATUS_LABELS_FOR_ADMIN: Record<ConnectionStatus, string> = {
  draft: "Not connected yet",
  provisioning: "Being set up",
  actionRequired: "Needs your action",
  active: "Active",
  failed: "Failed",
  disconnected: "Disconnected",
  disconnecting: "Being disconnected",
};

/** The admin's words for a status read as a plain string (a view's field); an unknown one is shown as it is. */
export function connectionStatusLabelForAdmin(status: string): string {
  return isConnectionStatus(status) ? CONNECTION_STATUS_LABELS_FOR_ADMIN[status] : status;
}

function isConnectionStatus(value: string): value is ConnectionStatus {
  return (CONNECTION_STATUSES as readonly string[]).includes(value);
}
