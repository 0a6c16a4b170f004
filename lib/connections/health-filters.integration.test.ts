/**
 * Filtering connections by health, on SQLite and PostgreSQL: Act-On's list (`health`, `healthCause`: comma lists, any
 * of) and the support console's search (one state, one cause), each combined with the other filters and keyset pages,
 * and a connection never probed matching no health filter. Both read the Connection row's health columns, which
 * the (health…, updatedAt, id) indexes serve.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { listConnectionsQuerySchema } from "../api/v1/schemas";
import { listConnectionsForApi } from "./list-connections-for-api";
import { searchConnectionsForSupport } from "./search-connections-for-support";
import { supportConnectionSearchSchema } from "./support-search";

describe.each(await providersUnderTest())("health filters on %s", (provider) => {
  const t = useTestDatabase(provider);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const account = await t.db.account.create({ data: { actonAccountId: "health-filters", name: "Health Filters Co" } });
    const base = Date.UTC(2026, 11, 1);
    const rows = [
      ["healthy", { healthState: "healthy" }],
      ["userGone", { healthState: "failing", healthCause: "application_user_missing" }],
      ["userGone2", { healthState: "failing", healthCause: "application_user_missing" }],
      ["throttled", { healthState: "degraded", healthCause: "microsoft_unavailable" }],
      ["expired", { healthState: "failing", healthCause: "credential_expired" }],
      ["neverProbed", {}],
    ] as const;
    for (const [i, [name, health]] of rows.entries()) {
      const c = await t.db.connection.create({
        data: {
          accountId: account.id,
          authMode: "cloud",
          status: "active",
          ...health,
          healthCheckedAt: "healthState" in health ? new Date(base) : null,
          updatedAt: new Date(base + i * 1000),
        },
      });
      ids[name] = c.id;
    }
  });

  const api = async (query: Record<string, string>) => {
    const page = await listConnectionsForApi(t.db, listConnectionsQuerySchema.parse({ account: "health-filters", ...query }));
    if (!page.ok) throw new Error(page.error.userMessage);
    return page.value;
  };
  const support = async (query: Record<string, string>) => {
    const page = await searchConnectionsForSupport(t.db, supportConnectionSearchSchema.parse({ q: "health-filters", ...query }));
    if (!page.ok) throw new Error(page.error.userMessage);
    return page.value;
  };

  it("Act-On's list filters by any of the states and causes given, oldest change first, and pages through them", async () => {
    expect((await api({ health: "failing" })).items.map((c) => c.id)).toEqual([ids.userGone, ids.userGone2, ids.expired]);
    expect((await api({ health: "degraded,healthy" })).items.map((c) => c.id)).toEqual([ids.healthy, ids.throttled]);
    expect((await api({ healthCause: "application_user_missing,credential_expired" })).items.map((c) => c.id)).toEqual([
      ids.userGone,
      ids.userGone2,
      ids.expired,
    ]);
    expect((await api({ health: "degraded", healthCause: "application_user_missing" })).items).toEqual([]);
    expect((await api({ health: "failing", status: "failed" })).items).toEqual([]);
    // No filter: the never-probed connection is listed with health null.
    const all = await api({});
    expect(all.items).toHaveLength(6);
    expect(all.items.find((c) => c.id === ids.neverProbed)?.healthState).toBeNull();

    const first = await api({ health: "failing", limit: "2" });
    expect(first.items.map((c) => c.id)).toEqual([ids.userGone, ids.userGone2]);
    const second = await api({ health: "failing", limit: "2", cursor: first.nextCursor! });
    expect(second.items.map((c) => c.id)).toEqual([ids.expired]);
    expect(second.nextCursor).toBeNull();
  });

  it("the console filters by one state or cause, newest change first, and shows each row's health", async () => {
    const failing = await support({ health: "failing" });
    expect(failing.rows.map((r) => r.id)).toEqual([ids.expired, ids.userGone2, ids.userGone]);
    expect(failing.rows[0].health).toEqual({
      state: "failing",
      cause: "credential_expired",
      checkedAt: new Date(Date.UTC(2026, 11, 1)).toISOString(),
    });
    expect((await support({ healthCause: "microsoft_unavailable" })).rows.map((r) => r.id)).toEqual([ids.throttled]);
    expect((await support({ health: "healthy", healthCause: "credential_expired" })).rows).toEqual([]);
    // A blank field of the console's form is no filter.
    const unfiltered = await support({ health: "", healthCause: "" });
    expect(unfiltered.rows).toHaveLength(6);
    expect(unfiltered.rows.find((r) => r.id === ids.neverProbed)?.health).toBeNull();

    const first = await support({ health: "failing", limit: "2" });
    const second = await support({ health: "failing", limit: "2", cursor: first.nextCursor! });
    expect([...first.rows, ...second.rows].map((r) => r.id)).toEqual([ids.expired, ids.userGone2, ids.userGone]);
  });
});
