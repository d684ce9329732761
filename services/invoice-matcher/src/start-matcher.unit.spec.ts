import type { Logger } from "pino";
import { describe, expect, it, vi } from "vitest";
import { createMatcherPool } from "./start-matcher.ts";

describe("createMatcherPool", () => {
  it("logs a lost idle connection instead of crashing on the pool's error event", async () => {
    const logger = { warn: vi.fn() } as unknown as Logger;
    const pool = createMatcherPool({ postgresUrl: "postgres://ic@127.0.0.1:1/none", dbSchema: "matcher" }, logger);
    expect(() => pool.emit("error", new Error("terminating connection due to administrator command"))).not.toThrow();
    expect(logger.warn).toHaveBeenCalledWith({ err: "terminating connection due to administrator command" }, "idle Postgres connection lost");
    await pool.end();
  });
});
