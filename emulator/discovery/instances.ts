/**
 * Global Discovery Service `Instances` (contract §4): the cloud environments of the token's tenant in which the
 * calling user has an enabled systemuser. Keyed forms (`Instances(UniqueName='x')`, `Instances(<guid>)`) are served
 * as filters and still answer arrays, since Microsoft's docs disagree on whether keyed retrieval exists.
 */
import { createHash } from "node:crypto";
import { bearerToken, type EmuRequest, type EmuResponse } from "../core/http";
import { applySelect, evaluateFilter, ODataQueryError, parseFilter, parseSelect, queryOption, strictResolver } from "../core/odata";
import { getState } from "../core/store";
import type { Environment } from "../core/state";
import { verifyAccessToken } from "../core/tokens";
import { rolesOf } from "../dataverse/security";

const GDS_RESOURCE = "https://globaldisco.crm.dynamics.com";
const SYSTEM_ADMINISTRATOR_TEMPLATE = "627090ff-40a3-4053-8790-584edc5be201";

function serviceRoot(req: EmuRequest): string {
  return `${req.origin}/globaldisco/api/discovery/v2.0`;
}

function odataJson(status: number, body: object, extra: Record<string, string> = {}): EmuResponse {
  return { status, body, headers: { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0", ...extra } };
}

function challenge(req: EmuRequest): EmuResponse {
  return {
    status: 401,
    headers: { "www-authenticate": `Bearer authorization_uri=${req.origin}/common/oauth2/authorize, resource_id=${GDS_RESOURCE}/` },
    body: "",
  };
}

function acceptsAudience(aud: unknown, req: EmuRequest): boolean {
  const norm = (s: string) => s.replace(/\/+$/, "").toLowerCase();
  const accepted = new Set([GDS_RESOURCE, `${req.origin}/globaldisco`].map(norm));
  return (Array.isArray(aud) ? aud : [aud]).some((a) => typeof a === "string" && accepted.has(norm(a)));
}

function datacenterId(region: string): string {
  const h = createHash("sha1").update(`datacenter:${region}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function instanceView(req: EmuRequest, env: Environment, isUserSysAdmin: boolean): Record<string, unknown> {
  const url = `${req.origin}/dynamics/${env.urlName}`;
  return {
    // In the cloud ApiUrl (`{org}.api.crm.dynamics.com`) differs from Url; the sandbox's is `{Url}.api` where set.
    ApiUrl: env.distinctApiUrl ? `${url}.api` : url,
    DatacenterId: datacenterId(env.region),
    DatacenterName: null,
    EnvironmentId: env.environmentId,
    FriendlyName: env.friendlyName,
    Id: env.id,
    IsUserSysAdmin: isUserSysAdmin,
    LastUpdated: "2024-01-15T09:00:00Z",
    OrganizationType: 0,
    Purpose: env.purpose,
    Region: env.region,
    SchemaType: "Full",
    State: env.state,
    StatusMessage: 0,
    TenantId: env.tenantId,
    TrialExpirationDate: null,
    UniqueName: env.uniqueName,
    UrlName: env.urlName,
    Version: env.version,
    Url: url,
  };
}

/** `UniqueName='x'`, `Region='NA'`, `<guid>` or `Id=<guid>` → an equivalent filter expression. */
function keyToFilter(key: string): string {
  const trimmed = key.trim();
  if (/^[0-9a-fA-F-]{36}$/.test(trimmed)) return `Id eq ${trimmed}`;
  return trimmed
    .split(",")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return `${pair.slice(0, eq).trim()} eq ${pair.slice(eq + 1).trim()}`;
    })
    .join(" and ");
}

export async function listInstances(req: EmuRequest): Promise<EmuResponse> {
  const raw = bearerToken(req);
  if (!raw) return challenge(req);
  const claims = await verifyAccessToken(raw);
  if (!claims || !acceptsAudience(claims.aud, req)) return challenge(req);
  // App-only use is undocumented (commonly reported not to work): such callers are no environment's user here.
  const oid = typeof claims.scp === "string" ? claims.oid?.toLowerCase() : undefined;
  const views = getState()
    .environments.filter((env) => env.tenantId === claims.tid && !env.onPremises)
    .flatMap((env) => {
      const user = env.systemUsers.find(
        (u) => oid && u.azureactivedirectoryobjectid?.toLowerCase() === oid && !u.applicationid && !u.isdisabled && (u.deletedstate ?? 0) === 0,
      );
      if (!user) return [];
      // Roles held directly or through a team count alike.
      const isAdmin = rolesOf(env, user).some((r) => r.roletemplateid === SYSTEM_ADMINISTRATOR_TEMPLATE || r.allPrivileges);
      return [instanceView(req, env, isAdmin)];
    });
  const filters = [queryOption(req.url, "filter"), req.params.key ? keyToFilter(decodeURIComponent(req.params.key)) : null].filter((f): f is string =>
    Boolean(f),
  );
  let matched = views;
  try {
    for (const f of filters) {
      const expr = parseFilter(f);
      const resolve = strictResolver("Microsoft.Xrm.Sdk.Discovery.Instance");
      matched = matched.filter((v) => evaluateFilter(expr, v, { resolve }));
    }
  } catch (e) {
    if (e instanceof ODataQueryError) return odataJson(400, { error: { code: "", message: e.message } });
    throw e;
  }
  const select = parseSelect(queryOption(req.url, "select"));
  return odataJson(200, {
    "@odata.context": `${serviceRoot(req)}/$metadata#Instances${select ? `(${select.join(",")})` : ""}`,
    value: matched.map((v) => applySelect(v, select)),
  });
}

const METADATA = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Microsoft.Xrm.Sdk.Discovery" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="Instance">
        <Key><PropertyRef Name="Id" /></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false" />
        <Property Name="UniqueName" Type="Edm.String" />
        <Property Name="UrlName" Type="Edm.String" />
        <Property Name="FriendlyName" Type="Edm.String" />
        <Property Name="State" Type="Edm.Int32" Nullable="false" />
        <Property Name="Version" Type="Edm.String" />
        <Property Name="Url" Type="Edm.String" />
        <Property Name="ApiUrl" Type="Edm.String" />
        <Property Name="LastUpdated" Type="Edm.DateTimeOffset" Nullable="false" />
        <Property Name="Region" Type="Edm.String" />
        <Property Name="EnvironmentId" Type="Edm.String" />
        <Property Name="TenantId" Type="Edm.Guid" Nullable="false" />
        <Property Name="Purpose" Type="Edm.String" />
        <Property Name="IsUserSysAdmin" Type="Edm.Boolean" Nullable="false" />
        <Property Name="OrganizationType" Type="Edm.Int32" Nullable="false" />
        <Property Name="DatacenterId" Type="Edm.Guid" Nullable="false" />
        <Property Name="DatacenterName" Type="Edm.String" />
        <Property Name="SchemaType" Type="Edm.String" />
        <Property Name="StatusMessage" Type="Edm.Int32" Nullable="false" />
        <Property Name="TrialExpirationDate" Type="Edm.DateTimeOffset" />
      </EntityType>
      <EntityContainer Name="DiscoveryService">
        <EntitySet Name="Instances" EntityType="Microsoft.Xrm.Sdk.Discovery.Instance" />
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;

export function getMetadata(): EmuResponse {
  return { status: 200, headers: { "content-type": "application/xml", "odata-version": "4.0" }, body: METADATA };
}

export function getServiceDocument(req: EmuRequest): EmuResponse {
  return odataJson(200, { "@odata.context": `${serviceRoot(req)}/$metadata`, value: [{ name: "Instances", kind: "EntitySet", url: "Instances" }] });
}
