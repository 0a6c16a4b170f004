import { runEngineScript } from "./provision.mjs";

/**
 * `npm run probe -- --connection <id>`: probes one connection's health now (scripts/probe.ts), against the Microsoft
 * endpoints configured, or the local sandbox as `npm run provision` does.
 */
export function run(args) {
  return runEngineScript("probe", args, "probing");
}
