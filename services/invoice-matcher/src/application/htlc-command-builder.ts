// Turns a decided command (domain data, stored in the outbox without secrets) into the record a
// bridge applies: SETTLE gets the preimage derived from the seed (checked against the payment
// hash), FAIL gets the BOLT 4 packet encrypted with the onion's shared secret, or one of lnd's own
// failure codes. Runs only after the decision committed.
// A SETTLE also carries what the decision was about (the recorded HTLC's incoming amount and
// incoming expiry, htlc-command v2): the bridge settles only an HTLC lnd offered with exactly
// those values. Outbox rows written before SettleHtlc had them carry none: such a SETTLE goes out
// with nulls, never with values made up here (the bridge then fails that HTLC rather than settle
// what nobody checked). Upgrade with a drained outbox: services/interceptor-bridge/README.md.
import type { HtlcCommand, LndFailureCode } from "@ic/event-log";
import { buildFailurePacket, bytesToHex, hexToBytes, LND_FAILURE_CODE, type EncodableFailureMessage } from "@ic/lightning-protocol";
import type { HtlcFailure, OpaqueValue, SettleExpectation } from "../domain/index.ts";
import type { OutboxCommand } from "../serialization/index.ts";
import type { CoordinatorIdentity } from "./coordinator-identity.ts";

const LND_CODE_NAMES = new Map<number, LndFailureCode>(
  Object.entries(LND_FAILURE_CODE).map(([name, code]) => [code, name as LndFailureCode]),
);

export class CommandBuildError extends Error {
  override readonly name = "CommandBuildError";
}

/**
 * The preimage seed does not open this invoice's hash: the matcher runs with another seed than
 * the one that made the invoice (a configuration error, not a bad row). Not quarantined: the
 * outbox waits until the matcher is restarted with the right seed, then the settle goes out.
 */
export class PreimageSeedMismatchError extends CommandBuildError {}

export function buildHtlcCommand(
  stored: OutboxCommand,
  identity: CoordinatorIdentity,
  ephemeralPubkey: Uint8Array | undefined,
  issuedAtMs: number,
): HtlcCommand {
  const { key, paymentHash } = stored.command.data;
  const base = {
    commandId: stored.commandId,
    nodeId: key.nodeId,
    circuitKey: { chanId: key.chanId, htlcId: key.htlcId },
    paymentHash,
    expectedIncomingAmountMsat: null,
    expectedIncomingExpiry: null,
    issuedAtMs,
  };
  if (stored.command.type === "SettleHtlc") {
    if (stored.paymentSecret === null) throw new CommandBuildError(`settle for ${paymentHash} without an invoice`);
    const secrets = identity.preimageFor(hexToBytes(stored.paymentSecret));
    // Never hand lnd a preimage that does not open this hash (a wrong seed would leak nothing
    // useful, but would fail the payment after a "settled" decision).
    if (bytesToHex(secrets.paymentHash) !== paymentHash) {
      throw new PreimageSeedMismatchError(`derived preimage does not match payment hash ${paymentHash}: wrong preimage seed?`);
    }
    return {
      ...base,
      action: "SETTLE",
      preimage: Buffer.from(secrets.preimage),
      failureMessage: null,
      failureCode: null,
      ...settleExpectation(stored.command.data.expected),
    };
  }
  const failure = stored.command.data.failure;
  const failWithCode = (code: LndFailureCode): HtlcCommand => ({ ...base, action: "FAIL", preimage: null, failureMessage: null, failureCode: code });
  const message = failureMessageOf(failure);
  if (message.kind === "code") return failWithCode(message.code);
  const sharedSecret = ephemeralPubkey ? identity.sharedSecret(ephemeralPubkey) : null;
  // Without a shared secret the payer cannot read our message: answer as the forwarding hop.
  if (sharedSecret === null) return failWithCode("TEMPORARY_CHANNEL_FAILURE");
  return {
    ...base,
    action: "FAIL",
    preimage: null,
    failureMessage: Buffer.from(buildFailurePacket(sharedSecret, message.failure)),
    failureCode: null,
  };
}

// The row's expected values, or nulls when it has none (written before SettleHtlc had them, or
// malformed: serialization/command-json.ts reads those as absent): a SETTLE with nulls is refused
// by the bridge, which is safe, whereas throwing here would stop the outbox on this row for good.
function settleExpectation(expected: SettleExpectation | undefined): Pick<HtlcCommand, "expectedIncomingAmountMsat" | "expectedIncomingExpiry"> {
  if (expected === undefined) return { expectedIncomingAmountMsat: null, expectedIncomingExpiry: null };
  return { expectedIncomingAmountMsat: expected.incomingAmountMsat, expectedIncomingExpiry: expected.incomingExpiry };
}

function failureMessageOf(
  failure: HtlcFailure,
): { kind: "code"; code: LndFailureCode } | { kind: "message"; failure: EncodableFailureMessage } {
  switch (failure.kind) {
    case "incorrect_or_unknown_payment_details":
      return {
        kind: "message",
        failure: { type: "incorrect_or_unknown_payment_details", htlcMsat: failure.htlcMsat, height: failure.height },
      };
    case "mpp_timeout":
      return { kind: "message", failure: { type: "mpp_timeout" } };
    case "final_incorrect_cltv_expiry":
      return { kind: "message", failure: { type: "final_incorrect_cltv_expiry", cltvExpiry: failure.cltvExpiry } };
    case "final_incorrect_htlc_amount":
      return { kind: "message", failure: { type: "final_incorrect_htlc_amount", incomingHtlcMsat: failure.incomingHtlcMsat } };
    case "temporary_channel_failure":
      return { kind: "code", code: "TEMPORARY_CHANNEL_FAILURE" };
    case "onion":
      return onionReply(failure.reason);
  }
}

// The onion peel's reply (lightning-protocol's OnionFailureReply), opaque to the domain. A uint64
// in it is a bigint, or a decimal string in outbox rows written before bigints were tagged there.
function onionReply(reason: OpaqueValue): { kind: "code"; code: LndFailureCode } | { kind: "message"; failure: EncodableFailureMessage } {
  const reply = (typeof reason === "object" && reason !== null && !Array.isArray(reason) ? reason : {}) as { readonly [key: string]: OpaqueValue };
  if (reply.kind === "failure_code") return { kind: "code", code: LND_CODE_NAMES.get(Number(reply.lndFailureCode)) ?? "TEMPORARY_CHANNEL_FAILURE" };
  const f = (typeof reply.failure === "object" && reply.failure !== null ? reply.failure : {}) as { readonly [key: string]: OpaqueValue };
  if (f.type === "invalid_onion_payload") {
    return { kind: "message", failure: { type: "invalid_onion_payload", tlvType: BigInt(String(f.tlvType)), offset: Number(f.offset) } };
  }
  if (f.type === "unknown_next_peer" || f.type === "temporary_node_failure" || f.type === "permanent_node_failure") {
    return { kind: "message", failure: { type: f.type } };
  }
  return { kind: "code", code: "TEMPORARY_CHANNEL_FAILURE" };
}
