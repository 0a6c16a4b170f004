import { describe, expect, it } from "vitest";
import { environmentWithoutAsking } from "./environment-without-asking";

const SALES = { url: "https://contoso-sales.crm.dynamics.com" };
const EU = { url: "https://contoso-eu.crm4.dynamics.com/" };

describe("environmentWithoutAsking", () => {
  it("plans the only environment Microsoft lists when Act-On named none", () => {
    expect(environmentWithoutAsking([SALES], null)).toEqual({ url: SALES.url, chosenFor: "only" });
  });

  it("asks when Microsoft lists several or none and Act-On named none", () => {
    expect(environmentWithoutAsking([SALES, EU], null)).toBeNull();
    expect(environmentWithoutAsking([], null)).toBeNull();
  });

  it("plans the environment Act-On named when Microsoft lists it, whatever else is listed (Discovery's trailing slash aside)", () => {
    expect(environmentWithoutAsking([SALES, EU], "https://contoso-eu.crm4.dynamics.com")).toEqual({ url: EU.url, chosenFor: "acton" });
  });

  it("never swaps Act-On's environment for another: an unlisted one shows the picker, even when one other is listed", () => {
    expect(environmentWithoutAsking([SALES], "https://contoso-eu.crm4.dynamics.com")).toBeNull();
    expect(environmentWithoutAsking([SALES, EU], "https://fabrikam.crm.dynamics.com")).toBeNull();
  });
});
