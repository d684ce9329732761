// Encoding of interceptor resolutions, checked on the bytes lnd would receive.
import { describe, expect, it } from "vitest";
import {
  interceptedHtlcFromWire,
  interceptResolutionToWire,
  type InterceptResolution,
} from "./htlc-interceptor.ts";
import { lndServices } from "./lnd-protos.ts";
import { defaultInterceptRequest, topLevelFieldNumbers } from "./testing/fake-lnd.ts";

const circuitKey = { chanId: 1234567890123456789n, htlcId: 7n };

function encode(resolution: InterceptResolution): Buffer {
  const method = lndServices().Router.service.HtlcInterceptor;
  if (!method) throw new Error("no HtlcInterceptor");
  return method.requestSerialize(interceptResolutionToWire(resolution));
}

describe("interceptor resolutions on the wire", () => {
  it("FAIL with a failure code carries no failure_message field (lnd would read an empty one as a bad 292-byte message)", () => {
    const bytes = encode({ action: "FAIL", circuitKey, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
    expect([...topLevelFieldNumbers(bytes)].sort()).toEqual([1, 2, 5]);
  });

  it("FAIL with an encrypted failure message carries no failure_code", () => {
    const bytes = encode({ action: "FAIL", circuitKey, failureMessage: new Uint8Array(292) });
    expect([...topLevelFieldNumbers(bytes)].sort()).toEqual([1, 2, 4]);
  });

  it("SETTLE carries the preimage and nothing for FAIL", () => {
    const bytes = encode({ action: "SETTLE", circuitKey, preimage: new Uint8Array(32).fill(1) });
    expect([...topLevelFieldNumbers(bytes)].sort()).toEqual([1, 2, 3]);
  });

  it("RESUME carries only the circuit key and the action", () => {
    const bytes = encode({ action: "RESUME", circuitKey });
    expect([...topLevelFieldNumbers(bytes)].sort()).toEqual([1, 2]);
  });

  it("keeps the circuit key's chan id above 2^53 exact", () => {
    const method = lndServices().Router.service.HtlcInterceptor;
    const decoded = method?.requestDeserialize(encode({ action: "RESUME", circuitKey })) as {
      incoming_circuit_key: { chan_id: string; htlc_id: string };
    };
    expect(decoded.incoming_circuit_key).toEqual({ chan_id: "1234567890123456789", htlc_id: "7" });
  });

  it("refuses what lnd would answer by closing the stream", () => {
    expect(() =>
      interceptResolutionToWire({ action: "SETTLE", circuitKey, preimage: new Uint8Array(31) }),
    ).toThrow(/32-byte preimage/);
    expect(() =>
      interceptResolutionToWire({ action: "FAIL", circuitKey, failureMessage: new Uint8Array(256) }),
    ).toThrow(/292 bytes/);
    expect(() =>
      interceptResolutionToWire({
        action: "FAIL",
        circuitKey,
        failureCode: "INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS" as "TEMPORARY_CHANNEL_FAILURE",
      }),
    ).toThrow(/rejects interceptor failure code/);
  });
});

describe("intercepted HTLC decoding", () => {
  it("turns every 64-bit field into an exact bigint and an empty node id into undefined", () => {
    const htlc = interceptedHtlcFromWire({
      incoming_circuit_key: { chan_id: "1234567890123456789", htlc_id: "3" },
      incoming_amount_msat: "9007199254740993",
      incoming_expiry: 700,
      payment_hash: Buffer.alloc(32, 9),
      outgoing_requested_chan_id: "18446744073709551615",
      outgoing_amount_msat: "9007199254740992",
      outgoing_expiry: 660,
      custom_records: { "65537": Buffer.from("ab", "hex") },
      onion_blob: Buffer.alloc(1366),
      auto_fail_height: 687,
      in_wire_custom_records: {},
      outgoing_requested_node_id: Buffer.alloc(0),
    });
    expect(htlc.incomingCircuitKey).toEqual({ chanId: 1234567890123456789n, htlcId: 3n });
    expect(htlc.incomingAmountMsat).toBe(9007199254740993n);
    expect(htlc.outgoingRequestedChanId).toBe(2n ** 64n - 1n);
    expect(htlc.customRecords.get(65537n)).toEqual(Buffer.from("ab", "hex"));
    expect(htlc.outgoingRequestedNodeId).toBeUndefined();
  });

  it("refuses a request without a circuit key", () => {
    expect(() =>
      interceptedHtlcFromWire({ ...defaultInterceptRequest(), incoming_circuit_key: null, payment_hash: Buffer.alloc(0) }),
    ).toThrow(/incoming_circuit_key is absent/);
  });
});
