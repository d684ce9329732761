// Translates an intercepted HTLC record into the decider's HtlcArrived input: peels the onion
// with the virtual node's key (the only place it is peeled) and keeps the peel's failure reply
// as opaque data so a replay gets the same answer.
import type { HtlcIntercepted } from "@ic/event-log";
import { bytesToHex, failureReplyForOnionError, hexToBytes, peelFinalHop } from "@ic/lightning-protocol";
import type { HtlcArrived, OpaqueValue } from "../domain/index.ts";
import type { CoordinatorIdentity } from "./coordinator-identity.ts";
import type { OnionKeyNote } from "./invoice-processor.ts";

export function htlcArrivedFrom(
  record: HtlcIntercepted,
  identity: CoordinatorIdentity,
  now: number,
): { input: HtlcArrived; onionKey: OnionKeyNote } {
  const key = { nodeId: record.nodeId, chanId: record.circuitKey.chanId, htlcId: record.circuitKey.htlcId };
  // Bytes 1..33 of the onion: the payer's ephemeral public key for this hop.
  const ephemeralPubkey = record.onionBlob.subarray(1, 34);
  const peeled = peelFinalHop(identity.backend, identity.nodePrivateKey, record.onionBlob, hexToBytes(record.paymentHash));
  const peel: HtlcArrived["data"]["peel"] = peeled.ok
    ? {
        ok: true,
        payload: {
          amtToForwardMsat: peeled.payload.amtToForwardMsat,
          outgoingCltv: peeled.payload.outgoingCltv,
          ...(peeled.payload.paymentData
            ? { paymentSecret: bytesToHex(peeled.payload.paymentData.paymentSecret), totalMsat: peeled.payload.paymentData.totalMsat }
            : {}),
        },
      }
    : { ok: false, failure: failureReplyForOnionError(peeled.error) as unknown as OpaqueValue };
  return {
    input: {
      type: "HtlcArrived",
      data: {
        key,
        paymentHash: record.paymentHash,
        incomingAmountMsat: record.incomingAmountMsat,
        outgoingAmountMsat: record.outgoingAmountMsat,
        incomingExpiry: record.incomingExpiry,
        outgoingExpiry: record.outgoingExpiry,
        autoFailHeight: record.autoFailHeight,
        onionEphemeralKey: bytesToHex(ephemeralPubkey),
        peel,
        now,
        blockHeight: record.blockHeight,
      },
    },
    onionKey: { key, ephemeralPubkey },
  };
}
