import { afterEach, describe, expect, it, vi } from "vitest";
import { engineMatrix } from "./engine-scenarios";

describe("the engine suites' matrix", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("covers each provider and each scenario once: SQLite against the realistic world, PostgreSQL against the default", () => {
    expect(engineMatrix(["sqlite", "postgresql"])).toEqual([
      ["sqlite", "realistic"],
      ["postgresql", "default"],
    ]);
  });

  it("runs both scenarios on SQLite when PostgreSQL is not under test", () => {
    expect(engineMatrix(["sqlite"])).toEqual([
      ["sqlite", "default"],
      ["sqlite", "realistic"],
    ]);
  });

  it("runs one scenario on both providers when ENGINE_SCENARIOS narrows it", () => {
    vi.stubEnv("ENGINE_SCENARIOS", "default");
    expect(engineMatrix(["sqlite", "postgresql"])).toEqual([
      ["sqlite", "default"],
      ["postgresql", "default"],
    ]);
  });

  it("runs every pair with ENGINE_MATRIX=full", () => {
    vi.stubEnv("ENGINE_MATRIX", "full");
    expect(engineMatrix(["sqlite", "postgresql"])).toHaveLength(4);
  });
});
