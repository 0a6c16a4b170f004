/**
 * A signed-in Contoso person's portal session on one connection, as pages and actions see it (what `authorize` starts
 * from), for tests that call the journey's use cases directly. Used only by *.integration.test.ts.
 */
import type { PortalSessionView } from "../../lib/sessions/session-view";
import { TENANTS } from "./microsoft-sandbox";

export function contosoSessionOn(
  account: { id: string; actonAccountId: string },
  connectionId: string,
  who: { username: string; objectId: string },
): PortalSessionView {
  return {
    id: "s",
    accountId: account.id,
    actonAccountId: account.actonAccountId,
    accountName: "Contoso",
    connectionId,
    intent: "connect",
    returnTo: null,
    actonUserEmail: null,
    environmentHint: null,
    microsoft: { tenantId: TENANTS.contoso, objectId: who.objectId, username: who.username, name: null },
    handoff: null,
  };
}
