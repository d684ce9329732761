import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.ts";

describe("canonical JSON for comparing a jsonb row with a rebuilt state", () => {
  it("gives one text for objects whose keys differ only in order, at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [{ x: 1, y: 2 }] }, b: 1 }));
  });

  it("keeps array order and every value difference", () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: "1" })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: { $bigint: "1" } })).not.toBe(canonicalJson({ a: "1" }));
  });
});
