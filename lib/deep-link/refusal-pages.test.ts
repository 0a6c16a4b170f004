import { describe, expect, it } from "vitest";
import { renderNoticePage } from "../pages/notice-page";
import { LINK_REFUSALS, type LinkRefusalCode } from "./launch-link";
import { REFUSAL_SLUGS, refusalCodeForSlug, refusalPage, refusalPath } from "./refusal-pages";

const CODES = Object.keys(LINK_REFUSALS) as LinkRefusalCode[];

describe("refusal pages", () => {
  it("give every refusal its own address, title and 4xx status", () => {
    const titles = new Set<string>();
    const paths = new Set<string>();
    for (const code of CODES) {
      const page = refusalPage(code);
      expect(page.status, code).toBeGreaterThanOrEqual(400);
      expect(page.status, code).toBeLessThan(500);
      titles.add(page.title);
      paths.add(refusalPath(code));
      expect(refusalCodeForSlug(REFUSAL_SLUGS[code])).toBe(code);
      expect(page.links?.every((l) => l.href.startsWith("/"))).toBe(true);
    }
    expect(titles.size).toBe(CODES.length);
    expect(paths.size).toBe(CODES.length);
    expect(refusalCodeForSlug("../../etc")).toBeNull();
    expect(refusalPage("link_expired").nextSteps.join(" ")).toMatch(/Settings › Connectors › CRM › MS Dynamics/);
  });

  it("renders text escaped, with no script and no link off the portal", () => {
    const html = renderNoticePage({ status: 400, title: `<script>alert("x")</script>`, body: ["a & b"], nextSteps: ["<img src=x>"] });
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain('<html lang="en">');
    for (const code of CODES) expect(renderNoticePage(refusalPage(code))).not.toMatch(/href="(?!\/)/);
  });
});
