import { describe, expect, it } from "vitest";
import type { InvoiceEvent } from "../domain/index.ts";
import { inSequence, type LoggedEvent } from "./event-sequence.ts";

const HASH = "11".repeat(32);
const expired = (at: number): InvoiceEvent => ({ type: "InvoiceExpired", data: { paymentHash: HASH, at } });
const logged = (sequence: number, eventId = `e${sequence}`): LoggedEvent => ({ eventId, sequence, event: expired(sequence), atMs: sequence });

describe("an invoice's events in sequence order", () => {
  it("orders 1..n read out of order, with no gap", () => {
    const { ordered, gap } = inSequence(HASH, [logged(2), logged(1), logged(3)]);
    expect(ordered.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(gap).toBeNull();
  });

  it("drops a redelivered record (same eventId) without calling it a duplicate", () => {
    const { ordered, gap } = inSequence(HASH, [logged(1), logged(2), logged(2)]);
    expect(ordered.map((e) => e.eventId)).toEqual(["e1", "e2"]);
    expect(gap).toBeNull();
  });

  it("reports missing sequences, two events at one sequence, and sequences below 1", () => {
    const { ordered, gap } = inSequence(HASH, [logged(0), logged(2), logged(2, "other"), logged(5)]);
    expect(gap).toEqual({ paymentHash: HASH, missing: [1, 3, 4], duplicated: [2], invalid: [0] });
    // The first event read at a sequence is the one folded.
    expect(ordered.map((e) => e.eventId)).toEqual(["e0", "e2", "e5"]);
  });

  it("reports a log that starts after sequence 1 (e.g. retention removed the head)", () => {
    expect(inSequence(HASH, [logged(3)]).gap).toEqual({ paymentHash: HASH, missing: [1, 2], duplicated: [], invalid: [] });
  });
});
