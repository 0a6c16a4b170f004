/**
 * One page per refused launch link: its address (`/launch/refused/<slug>`), its status, and what the admin reads.
 * No page links to the link's return URL: a refused link's return URL is not trusted. Pure.
 */
import { HTTP_STATUS } from "../core/errors";
import type { NoticePage } from "../pages/notice-page";
import { LINK_REFUSALS, type LinkRefusalCode } from "./launch-link";

const GET_NEW_LINK =
  "In Act-On, open Settings › Connectors › CRM › MS Dynamics and choose Connect (or Reconnect). Act-On opens the portal with a new link.";
const ONCE = "A link works once, in one browser, for 15 minutes. Do not forward it: a colleague can open the connector from their own Act-On login.";
const SUPPORT = "If this happens again with a new link from Act-On, contact Act-On support and quote the reference below.";

export const REFUSAL_SLUGS = {
  link_invalid_signature: "invalid-signature",
  link_wrong_audience: "wrong-audience",
  link_wrong_issuer: "wrong-issuer",
  link_expired: "expired",
  link_replayed: "reused",
  link_return_not_allowed: "return-not-allowed",
  link_malformed: "malformed",
} as const satisfies Record<LinkRefusalCode, string>;

const TITLES: Record<LinkRefusalCode, string> = {
  link_invalid_signature: "This link could not be verified",
  link_wrong_audience: "This link is for a different portal",
  link_wrong_issuer: "This link does not come from Act-On",
  link_expired: "This link has expired",
  link_replayed: "This link was already used in another browser",
  link_return_not_allowed: "This link points back to a site that is not Act-On",
  link_malformed: "This link is incomplete",
};

const STEPS: Record<LinkRefusalCode, string[]> = {
  link_invalid_signature: ["Do not use a link you did not get from Act-On.", GET_NEW_LINK, SUPPORT],
  link_wrong_audience: [GET_NEW_LINK, SUPPORT],
  link_wrong_issuer: ["Do not use a link you did not get from Act-On.", GET_NEW_LINK, SUPPORT],
  link_expired: [GET_NEW_LINK, ONCE],
  link_replayed: ["Go back to the browser where you first opened the link: your session continues there.", GET_NEW_LINK, ONCE],
  link_return_not_allowed: ["Do not use this link.", GET_NEW_LINK, SUPPORT],
  link_malformed: ["Check that you opened the whole link (some e-mail programs cut long links).", GET_NEW_LINK, SUPPORT],
};

export function refusalCodeForSlug(slug: string): LinkRefusalCode | null {
  const entry = Object.entries(REFUSAL_SLUGS).find(([, s]) => s === slug);
  return entry ? (entry[0] as LinkRefusalCode) : null;
}

export function refusalPath(code: LinkRefusalCode): string {
  return `/launch/refused/${REFUSAL_SLUGS[code]}`;
}

/** The page of a refusal: its own title, text and 4xx status. */
export function refusalPage(code: LinkRefusalCode): NoticePage {
  return {
    status: HTTP_STATUS[code],
    title: TITLES[code],
    body: [LINK_REFUSALS[code], "Nothing was changed: the portal did not open a session or touch your Microsoft tenant."],
    nextSteps: STEPS[code],
    links: [{ href: "/", label: "What this portal does" }],
    code,
  };
}
