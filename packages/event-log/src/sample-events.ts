// Valid sample values of every schema, for tests. uint64 fields sit past 2^53 on purpose:
// a conversion through a JS number anywhere would change them.
import type { EventRecords } from "./event-records.ts";

const NODE_ID = "02" + "ab".repeat(32);
const PAYMENT_HASH = "5f".repeat(32);
export const PAST_2_53 = 2n ** 53n + 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

export function sampleEvents(): EventRecords {
  return {
    "htlc-intercepted": {
      nodeId: NODE_ID,
      circuitKey: { chanId: UINT64_MAX, htlcId: PAST_2_53 },
      paymentHash: PAYMENT_HASH,
      incomingAmountMsat: 2n ** 60n + 7n,
      outgoingAmountMsat: PAST_2_53,
      incomingExpiry: 800_144,
      outgoingExpiry: 800_040,
      autoFailHeight: 800_131,
      outgoingRequestedChanId: 0x8000_0000_0000_0000n | 0x1234_5678_9abc_def0n,
      onionBlob: Buffer.alloc(1366, 7),
      customRecords: { "65537": Buffer.from("hello"), "18446744073709551615": Buffer.alloc(0) },
      blockHeight: 800_000,
      interceptedAtMs: 1_760_000_000_123,
      bridgeInstanceId: "bridge-a-3",
    },
    "htlc-command": {
      commandId: "cmd-1",
      nodeId: NODE_ID,
      circuitKey: { chanId: UINT64_MAX, htlcId: 0n },
      paymentHash: PAYMENT_HASH,
      action: "SETTLE",
      preimage: Buffer.alloc(32, 0x11),
      failureMessage: null,
      failureCode: null,
      expectedIncomingAmountMsat: UINT64_MAX,
      expectedIncomingExpiry: 800_150,
      issuedAtMs: 1_760_000_000_456,
    },
    "htlc-outcome": {
      nodeId: NODE_ID,
      circuitKey: { chanId: PAST_2_53, htlcId: 3n },
      paymentHash: PAYMENT_HASH,
      kind: "SETTLE_SENT",
      commandId: "cmd-1",
      reason: null,
      atMs: 1_760_000_000_789,
    },
    "invoice-event": {
      eventId: "evt-1",
      sequence: 3,
      paymentHash: PAYMENT_HASH,
      kind: "ACCEPTED",
      externalRef: "order-42",
      bolt11: null,
      amountMsat: PAST_2_53,
      amountPaidMsat: PAST_2_53 + 1n,
      htlcs: [
        { nodeId: NODE_ID, chanId: UINT64_MAX, htlcId: 1n, amountMsat: PAST_2_53, settled: null },
        { nodeId: "03" + "cd".repeat(32), chanId: 1n, htlcId: 2n, amountMsat: 1n, settled: null },
      ],
      amountSettledMsat: null,
      amountFailedMsat: null,
      reason: null,
      atMs: 1_760_000_001_000,
    },
    "matcher-event": {
      eventId: "evt-2",
      paymentHash: PAYMENT_HASH,
      type: "HtlcAccepted",
      sequence: 7,
      payloadJson: JSON.stringify({ chanId: UINT64_MAX.toString() }),
      atMs: 1_760_000_002_000,
    },
    "bridge-status": {
      nodeId: NODE_ID,
      bridgeInstanceId: "alpha-3f2a9c1d",
      blockHeight: 800_001,
      interceptorStreamOpen: true,
      heldHtlcs: 2,
      publishBacklog: 0,
      atMs: 1_760_000_003_000,
    },
  };
}
