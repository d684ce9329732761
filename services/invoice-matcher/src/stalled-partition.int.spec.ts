// A record of a schema version the matcher does not know yet holds its partition back (readers
// upgrade first: it decodes once the matcher is upgraded), and that is visible: /readyz turns
// not-ready naming the partition and offset, and ic_matcher_stalled_partitions counts it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventCodec, eventRecordInvariants, loadSchemaCatalog, type EventRecords, type SerialProducer } from "@ic/event-log";
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";
import { waitUntil } from "../../../test/support/wait-until.ts";
import { type RunningMatcher } from "./start-matcher.ts";
import { testMatcherSetup } from "./testing/test-matcher-setup.ts";

// Records in the header format (written before the schema registry), whose headers the tests
// edit: in the Confluent wire format the registry id, not a header, says what a record is.
const headerFormat = new EventCodec<EventRecords>(loadSchemaCatalog(), eventRecordInvariants);

const setup = testMatcherSetup("test_stall");
const { nodeA, config } = setup;
let matcher: RunningMatcher;
let producer: SerialProducer;

beforeAll(async () => {
  ({ matcher, producer } = await setup.start());
});

afterAll(async () => {
  await setup.stop();
});

describe("a record of a newer schema version", () => {
  it("holds its partition back, and readiness and the gauge say so", async () => {
    expect((await matcher.readiness()).ready).toBe(true);
    const sample = {
      nodeId: nodeA,
      circuitKey: { chanId: 123n, htlcId: 1n },
      paymentHash: "ab".repeat(32),
      incomingAmountMsat: 1_000n,
      outgoingAmountMsat: 1_000n,
      incomingExpiry: 540,
      outgoingExpiry: 500,
      autoFailHeight: 521,
      outgoingRequestedChanId: virtualScidForNode(hexToBytes(nodeA)),
      onionBlob: Buffer.alloc(1366),
      customRecords: {},
      blockHeight: 300,
      interceptedAtMs: Date.now(),
      bridgeInstanceId: "test",
    };
    const encoded = headerFormat.encode("htlc-intercepted", sample);
    // The same bytes, claimed as a version this matcher has never seen.
    const headers = { ...encoded.headers, "ic-schema-version": "99" };
    await producer.send({ topic: config.topics.htlcIntercepted(nodeA), messages: [{ key: sample.paymentHash, value: encoded.value, headers }] });
    const readiness = await waitUntil("the matcher not ready", async () => {
      const r = await matcher.readiness();
      return r.ready ? undefined : r;
    });
    expect(readiness.postgres).toBe("ok");
    expect(readiness.stalledPartitions).toHaveLength(1);
    expect(readiness.stalledPartitions![0]).toMatch(new RegExp(`^${config.topics.htlcIntercepted(nodeA).replace(/\./g, "\\.")}/\\d+@0: a newer schema version`));
    const gauge = await matcher.metrics.stalledPartitions.get();
    expect(gauge.values[0]?.value).toBe(1);
  });
});
