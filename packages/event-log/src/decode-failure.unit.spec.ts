import { describe, expect, it } from "vitest";
import { isPermanentDecodeFailure } from "./errors.ts";

describe("isPermanentDecodeFailure", () => {
  it("retries a newer writer's version (an upgrade decodes it), passes over what no retry fixes", () => {
    expect(isPermanentDecodeFailure("unknown-version")).toBe(false);
    for (const reason of [
      "missing-header",
      "bad-header",
      "unknown-schema",
      "fingerprint-mismatch",
      "missing-value",
      "corrupt-payload",
      "invalid-value",
      "unexpected-schema",
    ] as const) {
      expect(isPermanentDecodeFailure(reason), reason).toBe(true);
    }
  });
});
