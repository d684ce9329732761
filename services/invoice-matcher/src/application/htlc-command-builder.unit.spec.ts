import { createHash, randomBytes } from "node:crypto";
import { decodeAs, encode } from "@ic/event-log";
import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  decodeFailurePacket,
  deriveInvoiceSecrets,
  failureReplyForOnionError,
  FAILURE_PACKET_LENGTH,
  type FailureMessage,
  type OnionError,
} from "@ic/lightning-protocol";
import { failHtlc, settleHtlc, type HtlcFailure, type MatcherCommand, type OpaqueValue } from "../domain/index.ts";
import { outboxCommandFromJson, outboxCommandToJson, type OutboxCommand } from "../serialization/index.ts";
import { createCoordinatorIdentity } from "./coordinator-identity.ts";
import { buildHtlcCommand, CommandBuildError } from "./htlc-command-builder.ts";

const nodeKeyHex = bytesToHex(randomBytes(32));
const seedHex = bytesToHex(randomBytes(32));
const identity = createCoordinatorIdentity(nodeKeyHex, seedHex);
const paymentSecret = randomBytes(32);
const { preimage, paymentHash: hashBytes } = deriveInvoiceSecrets(Buffer.from(seedHex, "hex"), paymentSecret);
const paymentHash = bytesToHex(hashBytes);

// The payer's side of the onion: its ephemeral key pair, and the shared secret it reads our packet with.
const ephemeralPrivate = randomBytes(32);
const ephemeralPubkey = identity.backend.publicKeyCreate(ephemeralPrivate);
const payerSharedSecret = identity.backend.ecdh(ephemeralPrivate, identity.backend.publicKeyCreate(Buffer.from(nodeKeyHex, "hex")))!;

// chan_id past 2^53: the circuit key must stay exact.
const key = { nodeId: "02" + "cd".repeat(32), chanId: 0xffff_ffff_ffff_fff0n, htlcId: 7n };
// What the settle decision was about: the recorded HTLC's incoming amount (past 2^53) and expiry.
const expected = { incomingAmountMsat: 2n ** 60n + 3n, incomingExpiry: 812_400 };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The jsonb an outbox row holds: the processor writes it with outboxCommandToJson. */
function rowJson(command: MatcherCommand, secret: string | null = bytesToHex(paymentSecret)): Json {
  return JSON.parse(JSON.stringify(outboxCommandToJson({ commandId: "cmd-1", command, paymentSecret: secret }))) as Json;
}

/** A command as the publisher reads it back from the outbox. */
function stored(command: MatcherCommand, secret: string | null = bytesToHex(paymentSecret)): OutboxCommand {
  return outboxCommandFromJson(rowJson(command, secret));
}

/** onionKey null: no htlc_onions row for the HTLC. */
function failed(failure: HtlcFailure, onionKey: Uint8Array | null = ephemeralPubkey) {
  return buildHtlcCommand(stored(failHtlc(key, paymentHash, failure)), identity, onionKey ?? undefined, 1_700_000_000_000);
}

function packetOf(command: ReturnType<typeof failed>): FailureMessage {
  expect(command.action).toBe("FAIL");
  expect(command.failureCode).toBeNull();
  expect(command.failureMessage).toHaveLength(FAILURE_PACKET_LENGTH);
  const decoded = decodeFailurePacket(payerSharedSecret, command.failureMessage!);
  if (!decoded.ok) throw new Error(`packet does not decode: ${decoded.error}`);
  return decoded.value.failure;
}

function onionFailure(error: OnionError): HtlcFailure {
  return { kind: "onion", reason: failureReplyForOnionError(error) as unknown as OpaqueValue };
}

describe("buildHtlcCommand: SETTLE", () => {
  it("carries the preimage derived from the seed, which hashes to the payment hash", () => {
    const command = buildHtlcCommand(stored(settleHtlc(key, paymentHash, expected)), identity, undefined, 1_700_000_000_000);
    expect(command).toEqual({
      commandId: "cmd-1",
      nodeId: key.nodeId,
      circuitKey: { chanId: key.chanId, htlcId: key.htlcId },
      paymentHash,
      issuedAtMs: 1_700_000_000_000,
      action: "SETTLE",
      preimage: Buffer.from(preimage),
      failureMessage: null,
      failureCode: null,
      expectedIncomingAmountMsat: 2n ** 60n + 3n,
      expectedIncomingExpiry: 812_400,
    });
    expect(createHash("sha256").update(command.preimage!).digest("hex")).toBe(paymentHash);
    // It is what goes on the wire (v2), exactly.
    expect(decodeAs("htlc-command", encode("htlc-command", command))).toEqual(command);
  });

  it("an outbox row written before SettleHtlc had expected values goes out with nulls, none made up", () => {
    const row = rowJson(settleHtlc(key, paymentHash, expected));
    delete row.command.data.expected;
    const command = buildHtlcCommand(outboxCommandFromJson(row), identity, undefined, 0);
    expect(command).toMatchObject({ action: "SETTLE", expectedIncomingAmountMsat: null, expectedIncomingExpiry: null });
  });

  it("malformed expected values in a row go out as nulls (the bridge refuses), without stopping the outbox", () => {
    const row = rowJson(settleHtlc(key, paymentHash, expected));
    for (const bad of [
      { incomingAmountMsat: "-1", incomingExpiry: 812_400 },
      { incomingAmountMsat: "18446744073709551616", incomingExpiry: 812_400 },
      { incomingAmountMsat: "1000", incomingExpiry: 1.5 },
    ]) {
      const command = buildHtlcCommand(outboxCommandFromJson({ ...row, command: { ...row.command, data: { ...row.command.data, expected: bad } } }), identity, undefined, 0);
      expect(command).toMatchObject({ expectedIncomingAmountMsat: null, expectedIncomingExpiry: null });
    }
  });

  it("refuses a preimage that does not open the hash (wrong seed), without naming the preimage or seed", () => {
    const otherSeed = createCoordinatorIdentity(nodeKeyHex, bytesToHex(randomBytes(32)));
    let message = "";
    try {
      buildHtlcCommand(stored(settleHtlc(key, paymentHash, expected)), otherSeed, undefined, 0);
    } catch (error) {
      expect(error).toBeInstanceOf(CommandBuildError);
      message = (error as Error).message;
    }
    expect(message).toContain(`derived preimage does not match payment hash ${paymentHash}`);
    const wrongPreimage = bytesToHex(otherSeed.preimageFor(paymentSecret).preimage);
    expect(message).not.toContain(wrongPreimage);
    expect(message).not.toContain(bytesToHex(preimage));
    expect(message).not.toContain(seedHex);
  });

  it("refuses a settle of a hash with no invoice (no payment secret)", () => {
    expect(() => buildHtlcCommand(stored(settleHtlc(key, paymentHash, expected), null), identity, undefined, 0)).toThrow(CommandBuildError);
  });
});

describe("buildHtlcCommand: FAIL", () => {
  it("incorrect_or_unknown_payment_details: the packet carries the HTLC amount and height", () => {
    const htlcMsat = 2n ** 60n + 1n;
    expect(packetOf(failed({ kind: "incorrect_or_unknown_payment_details", htlcMsat, height: 812_345 }))).toEqual({
      type: "incorrect_or_unknown_payment_details",
      htlcMsat,
      height: 812_345,
    });
  });

  it("mpp_timeout", () => {
    expect(packetOf(failed({ kind: "mpp_timeout" }))).toEqual({ type: "mpp_timeout" });
  });

  it("final_incorrect_cltv_expiry carries the HTLC's cltv_expiry", () => {
    expect(packetOf(failed({ kind: "final_incorrect_cltv_expiry", cltvExpiry: 900_100 }))).toEqual({
      type: "final_incorrect_cltv_expiry",
      cltvExpiry: 900_100,
    });
  });

  it("final_incorrect_htlc_amount carries the received amount", () => {
    expect(packetOf(failed({ kind: "final_incorrect_htlc_amount", incomingHtlcMsat: 123_456_789_012n }))).toEqual({
      type: "final_incorrect_htlc_amount",
      incomingHtlcMsat: 123_456_789_012n,
    });
  });

  it("temporary_channel_failure is lnd's own code (the forwarding hop's failure), not a packet", () => {
    const command = failed({ kind: "temporary_channel_failure" });
    expect(command).toMatchObject({ action: "FAIL", preimage: null, failureMessage: null, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
    // Expected values belong to a SETTLE only.
    expect(command).toMatchObject({ expectedIncomingAmountMsat: null, expectedIncomingExpiry: null });
  });

  it.each([
    [{ code: "invalid_onion_version", message: "v", version: 1 } as const, "INVALID_ONION_VERSION"],
    [{ code: "invalid_onion_length", message: "l", length: 10 } as const, "INVALID_ONION_VERSION"],
    [{ code: "invalid_onion_hmac", message: "h" } as const, "INVALID_ONION_HMAC"],
    [{ code: "invalid_onion_key", message: "k" } as const, "INVALID_ONION_KEY"],
  ])("a malformed onion (%o) is lnd's %s code", (error, code) => {
    expect(failed(onionFailure(error), null)).toMatchObject({ action: "FAIL", failureMessage: null, failureCode: code });
  });

  it("invalid_onion_payload keeps a uint64 tlv type exact through the outbox JSON", () => {
    const tlvType = 2n ** 63n + 5n;
    const failure = onionFailure({ code: "invalid_onion_payload", message: "p", violation: "legacy_payload", tlvType, offset: 77 });
    expect(packetOf(failed(failure))).toEqual({ type: "invalid_onion_payload", tlvType, offset: 77 });
  });

  it("an onion that asks the virtual node to forward gets unknown_next_peer", () => {
    expect(packetOf(failed(onionFailure({ code: "not_final_hop", message: "f" })))).toEqual({ type: "unknown_next_peer" });
  });

  it.each(["temporary_node_failure", "permanent_node_failure"] as const)("an onion reply %s is passed on", (type) => {
    expect(packetOf(failed({ kind: "onion", reason: { kind: "failure_message", failure: { type } } }))).toEqual({ type });
  });

  it("an onion reply it does not know falls back to TEMPORARY_CHANNEL_FAILURE", () => {
    expect(failed({ kind: "onion", reason: { kind: "failure_code", lndFailureCode: 99, bolt4FailureCode: 1 } }).failureCode).toBe(
      "TEMPORARY_CHANNEL_FAILURE",
    );
    expect(failed({ kind: "onion", reason: { kind: "failure_message", failure: { type: "expiry_too_far" } } }).failureCode).toBe(
      "TEMPORARY_CHANNEL_FAILURE",
    );
  });

  it("without the onion's ephemeral key no packet can be read by the payer: TEMPORARY_CHANNEL_FAILURE", () => {
    expect(failed({ kind: "mpp_timeout" }, null)).toMatchObject({ failureMessage: null, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
  });

  it("an ephemeral key that is not a curve point: TEMPORARY_CHANNEL_FAILURE", () => {
    const notAPoint = new Uint8Array(33).fill(0xff);
    notAPoint[0] = 0x02;
    expect(failed({ kind: "mpp_timeout" }, notAPoint)).toMatchObject({ failureMessage: null, failureCode: "TEMPORARY_CHANNEL_FAILURE" });
  });

  it("refuses a FailHtlc without a failure (the row does not decode)", () => {
    const command = rowJson(settleHtlc(key, paymentHash, expected));
    expect(() => buildHtlcCommand(outboxCommandFromJson({ ...command, command: { ...command.command, type: "FailHtlc" } }), identity, ephemeralPubkey, 0)).toThrow(
      "FailHtlc without failure",
    );
  });
});
