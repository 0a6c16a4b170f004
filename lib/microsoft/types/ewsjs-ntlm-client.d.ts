// @ewsjs/ntlm-client ships no types: the three message functions the portal's Windows sign-in uses.
declare module "@ewsjs/ntlm-client" {
  export type Type2Message = {
    flags: number;
    encoding: "ascii" | "ucs2";
    version: 1 | 2;
    challenge: Buffer;
    targetName: string;
    targetInfo?: { buffer: Buffer };
  };
  export function createType1Message(workstation?: string, target?: string): string;
  export function decodeType2Message(header: string): Type2Message;
  export function createType3Message(type2: Type2Message, username: string, password: string, workstation?: string, target?: string): string;
}
