/**
 * The support console's search on both sides of its lookup cap, on SQLite and PostgreSQL: a term matching a few
 * accounts (their connections looked up by id and sorted) and one matching more than a thousand (a predicate checked
 * along the sort order's index) list the same connections in the same order, page after page, each exactly once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { searchConnectionsForSupport } from "./search-connections-for-support";
import { supportConnectionSearchSchema } from "./support-search";

const MANY = 1_560; // two thirds of them "Broadco": more accounts than the lookup's cap of 1,000

describe.each(await providersUnderTest())("support search on %s", (provider) => {
  const t = useTestDatabase(provider);
  const expected: { broad: string[]; few: string[] } = { broad: [], few: [] };

  beforeAll(async () => {
    const base = Date.UTC(2026, 10, 1);
    const accounts = Array.from({ length: MANY }, (_, i) => ({
      id: `broad-a${i}`,
      actonAccountId: `broad-${i}`,
      // Names interleave two prefixes, so the walk skips non-matching rows between matches.
      name: i % 3 === 0 ? `Fewco ${i}` : `Broadco ${i}`,
    }));
    await t.db.account.createMany({ data: accounts });
    // Two connections per account for some, and updatedAt ties broken by id: the cursor's (updatedAt, id) order.
    const connections = accounts.flatMap((a, i) => {
      const one = {
        id: `broad-c${i}`,
        accountId: a.id,
        authMode: "cloud" as const,
        status: "active" as const,
        updatedAt: new Date(base + (i % 400) * 1000),
      };
      return i % 7 === 0 ? [one, { ...one, id: `broad-c${i}-2` }] : [one];
    });
    await t.db.connection.createMany({ data: connections });
    const order = (rows: typeof connections) =>
      [...rows].sort((x, y) => y.updatedAt.getTime() - x.updatedAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0)).map((c) => c.id);
    const nameOf = new Map(accounts.map((a) => [a.id, a.name]));
    expected.broad = order(connections.filter((c) => nameOf.get(c.accountId)!.startsWith("Broadco")));
    expected.few = order(connections.filter((c) => ["Fewco 3", "Fewco 30", "Fewco 300"].some((n) => nameOf.get(c.accountId)!.startsWith(n))));
  });

  async function everyPage(q: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await searchConnectionsForSupport(t.db, supportConnectionSearchSchema.parse({ q, limit: "100", ...(cursor ? { cursor } : {}) }));
      if (!page.ok) throw new Error(page.error.userMessage);
      ids.push(...page.value.rows.map((r) => r.id));
      cursor = page.value.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  it("lists every connection of a term matching more than a thousand accounts once, newest first", async () => {
    expect(expected.broad.length).toBeGreaterThan(1_000);
    expect(await everyPage("broadco")).toEqual(expected.broad);
  });

  it("lists the connections of a term matching a few accounts, newest first, with an account's second connection", async () => {
    expect(expected.few.length).toBeGreaterThan(3);
    expect(await everyPage("FEWCO 3")).toEqual(expected.few);
  });

  it("finds one account by its Act-On id among many, and nothing for a term that matches nothing", async () => {
    expect(await everyPage("broad-7")).toEqual(["broad-c7-2", "broad-c7"].sort().reverse());
    expect(await everyPage("nobody-here")).toEqual([]);
  });
});
