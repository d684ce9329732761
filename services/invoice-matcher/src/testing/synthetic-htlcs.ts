// Test support for int tests: HTLCs as a bridge would publish them, with a real onion addressed
// to the coordinator's virtual node (built by the protocol package), lnd's final outcomes and
// bridge status records.
// No lnd involved: these records are what the matcher consumes from Kafka.
import { randomBytes } from "node:crypto";
import { encode, type SerialProducer } from "@ic/event-log";
import { buildOnion, bytesToHex, encodeHopPayload, hexToBytes, virtualScidForNode, type Secp256k1Backend } from "@ic/lightning-protocol";

// Above 2^53 on purpose: scids are uint64.
export const SYNTHETIC_CHAN_ID = 123_456_789_012_345_678n;

export interface SyntheticHtlcSender {
  /** Publishes one intercepted HTLC; a given htlcId replays an earlier one. */
  sendHtlc(opts: {
    nodeId: string;
    paymentHash: Uint8Array;
    paymentSecret: Uint8Array;
    amountMsat: bigint;
    totalMsat: bigint;
    htlcId?: bigint;
    /** The key the onion is built for; another than the coordinator's makes the peel fail. */
    onionNodeKey?: Uint8Array;
    /** The node whose topic it goes to (default nodeId; another one forges a record on that node's topic). */
    topicNodeId?: string;
  }): Promise<{ htlcId: bigint; sharedSecret: Uint8Array }>;
  /**
   * Builds the HTLC's onion now (the costly part: a key exchange and the onion's layers) and
   * publishes it when `send` is called, stamped with the time of that call: a load generator
   * builds its records before the timed part so its own CPU competes less with the matcher's.
   */
  prepareHtlc(opts: Parameters<SyntheticHtlcSender["sendHtlc"]>[0]): { htlcId: bigint; sharedSecret: Uint8Array; send(): Promise<void> };
  /** Publishes lnd's report that the HTLC was settled for good. */
  sendFinalSettled(opts: { nodeId: string; paymentHash: string; htlcId: bigint }): Promise<void>;
  /** Publishes a bridge status record (lnd's best block) as that node's bridge would. */
  sendStatus(opts: {
    nodeId: string;
    blockHeight: number;
    /** The node whose status topic it goes to (default nodeId; another one forges a record on that node's topic). */
    topicNodeId?: string;
  }): Promise<void>;
}

export function syntheticHtlcSender(deps: {
  backend: Secp256k1Backend;
  nodeKey: Uint8Array;
  producer: SerialProducer;
  /** Per-node topic names (deploymentTopics of @ic/event-log). */
  topics: { htlcIntercepted(nodeId: string): string; htlcOutcomes(nodeId: string): string; bridgeStatus(nodeId: string): string };
}): SyntheticHtlcSender {
  const { backend, nodeKey, producer, topics } = deps;
  let nextHtlcId = 0n;
  const sender: SyntheticHtlcSender = {
    async sendHtlc(opts) {
      const prepared = sender.prepareHtlc(opts);
      await prepared.send();
      return { htlcId: prepared.htlcId, sharedSecret: prepared.sharedSecret };
    },
    prepareHtlc(opts) {
      const htlcId = opts.htlcId ?? nextHtlcId++;
      const payload = encodeHopPayload({
        amtToForwardMsat: opts.amountMsat,
        outgoingCltv: 500,
        paymentData: { paymentSecret: opts.paymentSecret, totalMsat: opts.totalMsat },
        customRecords: new Map(),
      });
      const built = buildOnion(backend, randomBytes(32), [{ nodePubkey: backend.publicKeyCreate(opts.onionNodeKey ?? nodeKey), payload }], opts.paymentHash);
      const encodeAt = (interceptedAtMs: number) => encode("htlc-intercepted", {
        nodeId: opts.nodeId,
        circuitKey: { chanId: SYNTHETIC_CHAN_ID, htlcId },
        paymentHash: bytesToHex(opts.paymentHash),
        incomingAmountMsat: opts.amountMsat,
        outgoingAmountMsat: opts.amountMsat,
        incomingExpiry: 540,
        outgoingExpiry: 500,
        autoFailHeight: 527,
        // The matcher decides only forwards over the node's own virtual scid.
        outgoingRequestedChanId: virtualScidForNode(hexToBytes(opts.nodeId)),
        onionBlob: Buffer.from(built.onion),
        customRecords: {},
        blockHeight: 300,
        interceptedAtMs,
        bridgeInstanceId: "test",
      });
      const topic = topics.htlcIntercepted(opts.topicNodeId ?? opts.nodeId);
      const key = bytesToHex(opts.paymentHash);
      return {
        htlcId,
        sharedSecret: built.sharedSecrets[0]!,
        async send() {
          await producer.send({ topic, messages: [{ key, ...encodeAt(Date.now()) }] });
        },
      };
    },
    async sendFinalSettled({ nodeId, paymentHash, htlcId }) {
      const outcome = encode("htlc-outcome", {
        nodeId,
        circuitKey: { chanId: SYNTHETIC_CHAN_ID, htlcId },
        paymentHash,
        kind: "FINAL_SETTLED",
        commandId: null,
        reason: null,
        atMs: Date.now(),
      });
      await producer.send({ topic: topics.htlcOutcomes(nodeId), messages: [{ key: paymentHash, ...outcome }] });
    },
    async sendStatus({ nodeId, blockHeight, topicNodeId }) {
      const status = encode("bridge-status", {
        nodeId,
        bridgeInstanceId: "test",
        blockHeight,
        interceptorStreamOpen: true,
        heldHtlcs: 0,
        publishBacklog: 0,
        atMs: Date.now(),
      });
      await producer.send({ topic: topics.bridgeStatus(topicNodeId ?? nodeId), messages: [{ key: nodeId, ...status }] });
    },
  };
  return sender;
}
