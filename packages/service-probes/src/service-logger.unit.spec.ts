import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createServiceLogger } from "./service-logger.ts";

function captured(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join("").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("createServiceLogger", () => {
  it("writes JSON lines with an ISO time, the service and its base fields, at the level asked", () => {
    const out = captured();
    const logger = createServiceLogger({ service: "interceptor-bridge", level: "info", redact: [], base: { nodeName: "alpha" } }, out.stream);
    logger.debug("not shown");
    logger.info({ paymentHash: "ab" }, "held");
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 30, service: "interceptor-bridge", nodeName: "alpha", paymentHash: "ab", msg: "held" });
    expect(String(line?.["time"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("censors the fields the service names, at any depth it lists", () => {
    const out = captured();
    const logger = createServiceLogger({ service: "s", level: "info", redact: ["preimage", "*.preimage", "*.*.password"] }, out.stream);
    logger.info({ preimage: "aa".repeat(32), htlc: { preimage: "bb".repeat(32), amount: 5 }, kafka: { sasl: { password: "pw-secret" } } }, "x");
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain("aa".repeat(32));
    expect(text).not.toContain("bb".repeat(32));
    expect(text).not.toContain("pw-secret");
    expect(out.lines()[0]).toMatchObject({ preimage: "[redacted]", htlc: { preimage: "[redacted]", amount: 5 }, kafka: { sasl: { password: "[redacted]" } } });
  });
});
