/** The AD FS client id the portal suggests for a connection (shown in the Add-AdfsClient command). Pure. */
import { createHash } from "node:crypto";

/** A client id for this connection that stays the same on every visit (a GUID, as Microsoft recommends). */
export function suggestedAdfsClientId(connectionId: string): string {
  const h = createHash("sha256").update(`acton-adfs-client:${connectionId}`).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
