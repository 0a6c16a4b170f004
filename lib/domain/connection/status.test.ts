import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONNECTION_STATUSES, CONNECTION_STATUS_LABELS, connectionStatusLabelForAdmin } from "./status";

describe("the connection status vocabulary", () => {
  it("is the database's enum, in both schemas", () => {
    for (const provider of ["sqlite", "postgresql"]) {
      const schema = readFileSync(join(import.meta.dirname, `../../../prisma/${provider}/schema.prisma`), "utf8");
      const body = /enum ConnectionStatus \{([^}]*)\}/.exec(schema)?.[1] ?? "";
      const values = body
        .split("\n")
        .map((l) => l.replace(/\/\/.*$/, "").trim())
        .filter((l) => l && !l.startsWith("///"));
      expect(values.sort()).toEqual([...CONNECTION_STATUSES].sort());
    }
  });

  it("labels every status for support staff and for the admin", () => {
    for (const status of CONNECTION_STATUSES) {
      expect(CONNECTION_STATUS_LABELS[status]).toBeTruthy();
      expect(connectionStatusLabelForAdmin(status)).not.toBe(status);
    }
    expect(connectionStatusLabelForAdmin("disconnecting")).toBe("Being disconnected");
    expect(connectionStatusLabelForAdmin("somethingNew")).toBe("somethingNew");
  });
});
