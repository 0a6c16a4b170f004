/** Global Discovery Service routes under `{origin}/globaldisco/api/discovery/v2.0/`. */
import type { Route } from "../core/http";
import { getMetadata, getServiceDocument, listInstances } from "./instances";

export const routes: Route[] = [
  {
    service: "discovery",
    method: "GET",
    pattern: /^\/globaldisco\/api\/discovery\/v2\.0\/Instances(?:\((?<key>[^)]*)\))?\/?$/i,
    handle: listInstances,
  },
  { service: "discovery", method: "GET", pattern: /^\/globaldisco\/api\/discovery\/v2\.0\/(?:\$|%24)metadata$/i, handle: () => getMetadata() },
  { service: "discovery", method: "GET", pattern: /^\/globaldisco\/api\/discovery\/v2\.0\/?$/i, handle: getServiceDocument },
];
