import { Client } from "@microsoft/microsoft-graph-client";

/** The Microsoft Graph JS client pointed at the sandbox's Graph, sending `token`. */
export function sandboxGraph(origin: string, token: string, version = "v1.0"): Client {
  return Client.init({
    baseUrl: `${origin}/graph/`,
    customHosts: new Set(["localhost"]),
    defaultVersion: version,
    authProvider: (done) => done(null, token),
  });
}
