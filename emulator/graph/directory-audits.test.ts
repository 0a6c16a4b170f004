/**
 * Entra's audit log through the Microsoft Graph JS client (a client we did not write): the application management
 * done through the sandbox's Graph is recorded in Microsoft's `directoryAudit` shape, and only a caller with
 * AuditLog.Read.All (delegated: also a reader role) may read it.
 */
import { sandboxGraph } from "../testing/graph-client";
import { GraphError } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { TENANTS, USERS } from "../scenarios/ids";
import { buildContractScenario } from "../testing/contract-clients";
import { mintAccessToken, userToken } from "../testing/contract-tokens";
import { rejectionOf } from "../testing/rejection";

const sandbox = useSandbox({ scenario: buildContractScenario });
const GRAPH = "https://graph.microsoft.com";

const graph = (token: string) => sandboxGraph(sandbox.origin, token);
const adminGraph = async () => graph(await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", [`${GRAPH}/.default`]));
const auditReader = async (claims: { oid: string; scp?: string; roles?: string[]; tid?: string }) =>
  graph(await mintAccessToken({ tid: TENANTS.contoso, aud: GRAPH, ...claims }));

type Audit = {
  activityDisplayName: string;
  activityDateTime: string;
  category: string;
  result: string;
  initiatedBy: { user: { id: string; userPrincipalName: string } | null; app: unknown };
  targetResources: { id: string; displayName: string; type: string }[];
};

describe("Entra audit log (directoryAudits)", () => {
  it("records who removed a secret and deleted the app, newest first, filterable by target and time", async () => {
    const admin = await adminGraph();
    const since = new Date(Date.now() - 1000).toISOString();
    const app = await admin.api("/applications").post({ displayName: "Audited app" });
    const secret = await admin.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: "s" } });
    await admin.api(`/applications/${app.id}/removePassword`).post({ keyId: secret.keyId });
    await admin.api(`/applications/${app.id}`).delete();

    const reader = await auditReader({ oid: USERS.contosoAdmin, scp: "AuditLog.Read.All" });
    const res = await reader
      .api("/auditLogs/directoryAudits")
      .filter(`activityDateTime ge ${since} and targetResources/any(t:t/id eq '${app.id}')`)
      .get();
    expect(res["@odata.context"]).toMatch(/\/\$metadata#auditLogs\/directoryAudits$/);
    const audits = res.value as Audit[];
    expect(audits.map((a) => a.activityDisplayName)).toEqual(["Delete application", "Update application - Certificates and secrets management"]);
    expect(audits[0]).toMatchObject({
      category: "ApplicationManagement",
      result: "success",
      initiatedBy: { user: { id: USERS.contosoAdmin, userPrincipalName: "admin@contoso.onmicrosoft.com" }, app: null },
      targetResources: [{ id: app.id, displayName: "Audited app", type: "Application" }],
    });
    expect(Date.parse(audits[0].activityDateTime)).toBeGreaterThanOrEqual(Date.parse(audits[1].activityDateTime));

    // App-only with AuditLog.Read.All reads the same; another tenant's reader sees none of it.
    const daemon = await auditReader({ oid: "40000000-0000-4000-8000-0000000000f1", roles: ["AuditLog.Read.All"] });
    expect((await daemon.api("/auditLogs/directoryAudits").get()).value).toHaveLength(2);
    const fabrikam = await auditReader({ tid: TENANTS.fabrikam, oid: "40000000-0000-4000-8000-0000000000f2", roles: ["AuditLog.Read.All"] });
    expect((await fabrikam.api("/auditLogs/directoryAudits").get()).value).toEqual([]);
  });

  it("refuses a caller without AuditLog.Read.All, and a delegated one without a reader role", async () => {
    const noPermission = await auditReader({ oid: "40000000-0000-4000-8000-0000000000f1", roles: ["Application.Read.All"] });
    const noRole = await auditReader({ oid: USERS.contosoUser, scp: "AuditLog.Read.All" });
    for (const client of [noPermission, noRole]) {
      const refused = await rejectionOf<GraphError>(client.api("/auditLogs/directoryAudits").get());
      expect(refused).toMatchObject({ statusCode: 403, code: "Authorization_RequestDenied" });
    }
  });
});
