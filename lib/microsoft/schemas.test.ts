import { describe, expect, it } from "vitest";
import {
  collectionSchema,
  discoveryInstanceSchema,
  graphApplicationSchema,
  graphPasswordCredentialSchema,
  systemUserSchema,
  whoAmISchema,
} from "./schemas";

describe("schemas", () => {
  it("reads Graph's documented application (nulls for unset values, extra fields dropped)", () => {
    const app = graphApplicationSchema.parse({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
      id: "03EF14B0-ca33-4840-8f4f-d6e91916010e",
      appId: "631a96bc-a705-4eda-9f99-fdaf9f54f6a2",
      displayName: "Display name",
      createdDateTime: "2019-09-17T19:10:35.2742618Z",
      publisherDomain: "contoso.onmicrosoft.com",
      signInAudience: "AzureADMyOrg",
      tags: [],
      isFallbackPublicClient: null,
      passwordCredentials: [],
      requiredResourceAccess: [],
      web: { redirectUris: [], homePageUrl: null, implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    });
    expect(app).toMatchObject({ id: "03ef14b0-ca33-4840-8f4f-d6e91916010e", isFallbackPublicClient: false, tags: [] });
    expect(app).not.toHaveProperty("publisherDomain");
  });

  it("reads addPassword's documented answer and insists on secretText", () => {
    const body = {
      customKeyIdentifier: null,
      endDateTime: "2021-09-09T19:50:29.3086381Z",
      keyId: "f0b0b335-1d71-4883-8f98-567911bfdca6",
      startDateTime: "2019-09-09T19:50:29.3086381Z",
      secretText: "[6gyXA5S20@MN+WRXAJ]I-TO7g1:h2P8",
      hint: "[6g",
      displayName: "Password friendly name",
    };
    expect(graphPasswordCredentialSchema.parse(body).secretText).toBe(body.secretText);
    expect(graphPasswordCredentialSchema.safeParse({ ...body, secretText: undefined }).success).toBe(false);
  });

  it("reads Dataverse WhoAmI and rejects a non-GUID id", () => {
    const body = {
      BusinessUnitId: "00000000-0000-0000-0000-000000000003",
      UserId: "00000000-0000-0000-0000-000000000002",
      OrganizationId: "00000000-0000-0000-0000-000000000001",
    };
    expect(whoAmISchema.parse(body).UserId).toBe(body.UserId);
    expect(whoAmISchema.safeParse({ ...body, UserId: "me" }).success).toBe(false);
  });

  it("reads a systemuser with its expanded roles", () => {
    const row = systemUserSchema.parse({
      "@odata.etag": 'W/"1"',
      systemuserid: "60000000-0000-4000-8000-000000000001",
      applicationid: "31000000-0000-4000-8000-000000000001",
      fullname: "# Act-On Integration",
      isdisabled: false,
      _businessunitid_value: "62000000-0000-4000-8000-000000000001",
      systemuserroles_association: [{ roleid: "63000000-0000-4000-8000-000000000001", name: "System Administrator", _businessunitid_value: null }],
    });
    expect(row.systemuserroles_association?.[0]).toMatchObject({ name: "System Administrator", _roletemplateid_value: null });
  });

  it("reads the Global Discovery Service's documented Instances answer", () => {
    const page = collectionSchema(discoveryInstanceSchema).parse({
      value: [
        {
          Id: "11111111-2222-3333-4444-555555555555",
          UniqueName: "myorg",
          UrlName: "orgurlname",
          FriendlyName: "My Org",
          State: 0,
          Version: "9.2.0",
          Url: "https://orgurlname.crm.dynamics.com",
          ApiUrl: "https://orgurlname.api.crm.dynamics.com",
        },
      ],
    });
    expect(page.value[0]).toMatchObject({ IsUserSysAdmin: false, EnvironmentId: null, Region: null });
  });
});
