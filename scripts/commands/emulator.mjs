import { supervise } from "../lib/processes.mjs";
import { startSandbox } from "../lib/sandbox.mjs";

/** `npm run emulator`: the Microsoft sandbox alone, on EMULATOR_PORT (default 4443). */
export async function run() {
  return supervise([startSandbox({ port: Number(process.env.EMULATOR_PORT || 4443) })]);
}
