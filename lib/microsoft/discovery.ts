import "server-only";
import type { z } from "zod";
import { microsoftFetch, sameOriginLink, type CallSettings, type MicrosoftResponse, callOptions } from "./http";
import { collectionSchema, discoveryInstanceSchema } from "./schemas";

/**
 * The Dataverse Global Discovery Service: the Dynamics environments the signed-in admin is a user of. Sovereign
 * clouds differ only by the base URL (configuration), never by code.
 */

export type DiscoveryContext = CallSettings & {
  /** `https://globaldisco.crm.dynamics.com`, or the sandbox's `{origin}/globaldisco`. */
  baseUrl: string;
  /** A delegated token of the admin for `{baseUrl}/user_impersonation`. */
  getToken: () => Promise<string>;
};

export type DynamicsEnvironment = {
  /** Dataverse organization id. */
  id: string;
  /** Power Platform environment id. */
  environmentId: string | null;
  friendlyName: string;
  uniqueName: string;
  /** The app URL; also serves the Web API (`{url}/api/data/v9.2`). */
  url: string;
  apiUrl: string;
  region: string | null;
  version: string | null;
  state: "enabled" | "disabled";
  isUserSysAdmin: boolean;
};

const MAX_PAGES = 10;

/** Lists the environments where the signed-in admin is an enabled user, sorted by name. @throws MicrosoftError */
export async function listEnvironments(ctx: DiscoveryContext): Promise<DynamicsEnvironment[]> {
  const schema = collectionSchema(discoveryInstanceSchema);
  const firstUrl = `${ctx.baseUrl.replace(/\/+$/, "")}/api/discovery/v2.0/Instances`;
  let url: string | undefined = firstUrl;
  const rows: z.infer<typeof discoveryInstanceSchema>[] = [];
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res: MicrosoftResponse<z.infer<typeof schema>> = await microsoftFetch({
      service: "discovery",
      method: "GET",
      url,
      token: await ctx.getToken(),
      replay: "safe",
      schema,
      ...callOptions(ctx),
    });
    rows.push(...res.data.value);
    const next = res.data["@odata.nextLink"];
    // The admin's token goes with the link: only to the Discovery Service's own origin.
    url = next ? sameOriginLink("discovery", firstUrl, next) : undefined;
  }
  return rows
    .map((i): DynamicsEnvironment => ({
      id: i.Id,
      environmentId: i.EnvironmentId?.toLowerCase() ?? null,
      friendlyName: i.FriendlyName || i.UniqueName,
      uniqueName: i.UniqueName,
      url: i.Url.replace(/\/+$/, ""),
      apiUrl: i.ApiUrl.replace(/\/+$/, ""),
      region: i.Region,
      version: i.Version,
      state: i.State === 0 ? "enabled" : "disabled",
      isUserSysAdmin: i.IsUserSysAdmin,
    }))
    .sort((a, b) => a.friendlyName.localeCompare(b.friendlyName));
}
